import { Type, type Static } from '@sinclair/typebox';

/**
 * The sidecar's YAML configuration. Keys and their meaning follow upstream's
 * SlurmConfig.yaml (interlink-slurm-plugin); keys marked "ours" are additions. Defaults
 * differ from upstream only where upstream's default is a documented bug (no binary
 * defaults, `--mem=1`, ExportPodData off, `--nv` on every container).
 */
export const RUNTIME_NAMES = ['singularity', 'apptainer', 'enroot', 'podman', 'docker', 'none'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

const FlavorSchema = Type.Object({
  Name: Type.String({ default: '' }),
  Description: Type.String({ default: '' }),
  CPUDefault: Type.Number({ minimum: 0, default: 0 }),
  MemoryDefault: Type.Union([Type.String(), Type.Number()], { default: '' }),
  UID: Type.Optional(Type.Integer({ minimum: 0 })),
  SlurmFlags: Type.Array(Type.String(), { default: [] }),
});

const TaintSchema = Type.Object({
  Key: Type.String({ minLength: 1 }),
  Value: Type.String({ default: '' }),
  Effect: Type.String({ default: 'NoSchedule' }),
});

const str = (d: string, description?: string) =>
  Type.String({ default: d, ...(description ? { description } : {}) });
const strings = (d: string[], description?: string) =>
  Type.Array(Type.String(), { default: d, ...(description ? { description } : {}) });

export const SlurmSidecarConfigSchema = Type.Object({
  SidecarPort: Type.Union([Type.String(), Type.Integer()], {
    default: '4000',
    description: 'TCP port (ignored with Socket)',
  }),
  Socket: str('', 'unix:///path/plugin.sock: listen on a unix socket instead of TCP'),
  SidecarHost: str('0.0.0.0', 'ours: interface the TCP listener binds (upstream: all interfaces)'),
  BearerTokenFile: str('', 'ours: file holding a token callers must send as Authorization: Bearer'),
  MetricsListen: str(
    '',
    'ours: second listener serving /metrics without the token, for scrapers (http://host:port or unix:///path)',
  ),
  SbatchPath: str('sbatch'),
  ScancelPath: str('scancel'),
  SqueuePath: str('squeue'),
  SacctPath: str('sacct', 'ours; empty disables sacct'),
  SinfoPath: str('sinfo'),
  ScontrolPath: str('scontrol', 'ours'),
  DataRootFolder: str('.local/interlink/jobs/', 'root of the per-pod job directories <ns>-<uid>/'),
  CommandPrefix: str('', 'shell text (administrator-controlled) run at the start of every job'),
  ImagePrefix: str('', 'prefix for images without a URI scheme, e.g. docker://'),
  SingularityPrefix: str('', 'image prefix for singularity/apptainer; overrides ImagePrefix'),
  EnrootPrefix: str('', 'image prefix for enroot; overrides ImagePrefix'),
  BashPath: str('/bin/bash', 'interpreter of the job script (bash >= 4.4)'),
  ExportPodData: Type.Boolean({
    default: true,
    description: 'mount configMap/secret/projected/emptyDir volumes',
  }),
  ContainerRuntime: Type.Union(
    RUNTIME_NAMES.map((n) => Type.Literal(n)),
    { default: 'singularity' },
  ),
  AllowedContainerRuntimes: strings([], 'ours: runtimes a pod may choose by annotation; empty = all'),
  SingularityPath: str('singularity'),
  ApptainerPath: str('apptainer', 'ours'),
  SingularityDefaultOptions: strings(['--containall', '--no-eval']),
  EnrootPath: str('enroot'),
  EnrootDefaultOptions: strings([]),
  PodmanPath: str('podman', 'ours'),
  PodmanDefaultOptions: strings(['--network=host'], 'ours'),
  DockerPath: str('docker', 'ours'),
  DockerDefaultOptions: strings(['--network=host'], 'ours'),
  MpiexecPath: str('mpiexec', 'ours: launcher used by the slurm-job.vk.io/mpi-flags annotation'),
  Partition: str('', 'ours: default --partition'),
  SlurmFlags: strings([], 'ours: sbatch flags for every job (before flavor and annotation flags)'),
  CPUDefault: Type.Number({
    minimum: 0,
    default: 1,
    description: 'ours: CPUs when neither pod nor flavor sets any',
  }),
  MemoryDefault: Type.Union([Type.String(), Type.Number()], {
    default: '1G',
    description: 'ours: --mem when neither pod nor flavor sets memory; "" = let Slurm decide',
  }),
  GPUFlag: Type.Union([Type.Literal('gres'), Type.Literal('gpus')], { default: 'gres', description: 'ours' }),
  Flavors: Type.Record(Type.String(), FlavorSchema, { default: {} }),
  DefaultFlavor: str(''),
  DefaultUID: Type.Optional(Type.Integer({ minimum: 0 })),
  Taints: Type.Array(TaintSchema, { default: [] }),
  EnablePreExec: Type.Boolean({
    default: false,
    description: 'ours: honour slurm-job.vk.io/pre-exec (raw shell)',
  }),
  EnableTunnelCommands: Type.Boolean({
    default: false,
    description: 'ours: honour interlink.eu/wstunnel-client-commands (raw shell)',
  }),
  AllowedSlurmFlags: strings(
    [],
    'ours: long sbatch options pods may set by annotation; empty = built-in list',
  ),
  ExtraAllowedSlurmFlags: strings(
    [],
    'ours: options added to the allowed list; privileged ones (priority, reservation, negative nice, export, ...) are allowed only when named here or in AllowedSlurmFlags',
  ),
  AllowRootWithRuntimeNone: Type.Boolean({
    default: false,
    description:
      'ours: let runtime "none" (and jobScript) pods run as root on the Slurm node when no runAsUser, flavor UID or DefaultUID names another user',
  }),
  AllowedHostPathPrefixes: strings(['/'], 'ours: hostPath volumes must be under one of these'),
  LogTimestamps: Type.Boolean({
    default: true,
    description: 'ours: timestamp every log line at capture time',
  }),
  StatusCacheSeconds: Type.Number({
    minimum: 0,
    default: 2,
    description: 'ours: max age of the squeue snapshot',
  }),
  DeleteGraceMaxSeconds: Type.Number({
    minimum: 0,
    default: 60,
    description: 'ours: cap on the pod grace period',
  }),
  SubmitConcurrency: Type.Integer({ minimum: 1, default: 8, description: 'ours: parallel sbatch calls' }),
  MaxPods: str('', 'ours: "pods" capacity reported by ping'),
  VerboseLogging: Type.Boolean({ default: false }),
  ErrorsOnlyLogging: Type.Boolean({ default: false }),
});

export type SlurmSidecarConfig = Static<typeof SlurmSidecarConfigSchema>;
export type FlavorConfig = Static<typeof FlavorSchema>;

/** Environment overrides, as upstream (plus ours for the binaries upstream had none for). */
export const CONFIG_ENV_VARS: Record<string, string> = {
  SIDECARPORT: 'SidecarPort',
  SBATCHPATH: 'SbatchPath',
  SCANCELPATH: 'ScancelPath',
  SINFOPATH: 'SinfoPath',
  SINGULARITYPATH: 'SingularityPath',
  SQUEUEPATH: 'SqueuePath',
  SACCTPATH: 'SacctPath',
};

export const CONFIG_PATH_ENV = 'SLURMCONFIGPATH';
export const DEFAULT_CONFIG_PATH = '/etc/interlink/SlurmConfig.yaml';
