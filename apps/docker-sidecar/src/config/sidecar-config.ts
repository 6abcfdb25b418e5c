import { Type, type Static } from '@sinclair/typebox';

// Upstream keys keep their spelling so an existing InterLinkConfig.yaml for the Go Docker
// plugin loads unchanged; keys this sidecar adds follow the same PascalCase style.

const Seconds = (def: number, description: string) => Type.Number({ minimum: 0, default: def, description });

export const SidecarConfigSchema = Type.Object({
  // --- upstream keys ---
  SidecarPort: Type.String({
    pattern: '^[0-9]{1,5}$',
    default: '4000',
    description: 'TCP port of the plugin API',
  }),
  Socket: Type.String({
    default: '',
    description: 'unix:///path/plugin.sock: listen on this socket instead of the port',
  }),
  DataRootFolder: Type.String({
    default: '/var/lib/interlink/docker-sidecar',
    description: 'Root of the per-pod directories (volume files); must be the same path on the Docker host',
  }),
  VerboseLogging: Type.Boolean({ default: false }),
  ErrorsOnlyLogging: Type.Boolean({ default: false }),
  ExportPodData: Type.Boolean({
    default: true,
    description: 'Materialise configMap, secret and projected volumes',
  }),
  // --- added by this sidecar ---
  SidecarHost: Type.String({ default: '0.0.0.0', description: 'Interface the TCP listener binds' }),
  DockerHost: Type.String({
    default: '',
    description:
      'Docker endpoint (unix:///var/run/docker.sock, tcp://host:2375); empty = DOCKER_HOST or the default socket',
  }),
  InstanceName: Type.String({
    pattern: '^[a-zA-Z0-9][a-zA-Z0-9_.-]*$',
    default: 'docker-sidecar',
    description:
      'Label value marking the containers this sidecar owns (several sidecars may share one engine)',
  }),
  BearerTokenFile: Type.String({
    default: '',
    description: 'File holding a token callers must send as Authorization: Bearer',
  }),
  MetricsListen: Type.String({
    default: '',
    description:
      'Second listener serving /metrics without the token, for scrapers (http://host:port or unix:///path); /metrics on the main address needs the token',
  }),
  HostPathAllowList: Type.Array(Type.String({ pattern: '^/' }), {
    default: [],
    description: 'Host path prefixes hostPath volumes may use; empty = hostPath refused',
  }),
  SandboxImage: Type.String({
    minLength: 1,
    default: 'busybox:latest',
    description: 'Image of the per-pod sandbox container',
  }),
  SandboxCommand: Type.Array(Type.String(), { minItems: 1, default: ['sleep', 'infinity'] }),
  PodNetwork: Type.String({
    minLength: 1,
    default: 'bridge',
    description: 'Docker network the pod sandboxes join',
  }),
  GpuDevices: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description: 'NVIDIA device ids (indexes or UUIDs) pods may be given',
  }),
  MaxPods: Type.Integer({ minimum: 1, default: 110 }),
  Taints: Type.Array(
    Type.Object({
      Key: Type.String({ minLength: 1 }),
      Value: Type.String({ default: '' }),
      Effect: Type.String({ default: 'NoSchedule' }),
    }),
    { default: [] },
  ),
  RestartBackoffSeconds: Seconds(10, 'First back-off before restarting a crashed container'),
  MaxRestartBackoffSeconds: Seconds(300, 'Back-off cap'),
  ImagePullBackoffSeconds: Seconds(10, 'First back-off before retrying a failed pull'),
  MaxGracePeriodSeconds: Seconds(100, 'Cap on the graceful-stop wait of a delete'),
  ResyncIntervalSeconds: Type.Number({ minimum: 1, default: 30 }),
  ContainerLogMaxSize: Type.String({ pattern: '^[0-9]+[kmg]?$', default: '10m' }),
  ContainerLogMaxFiles: Type.Integer({ minimum: 1, default: 5 }),
  RegistryCredentials: Type.Array(
    Type.Object({ Server: Type.String({ minLength: 1 }), Username: Type.String(), Password: Type.String() }),
    { default: [] },
  ),
  ReconcileConcurrency: Type.Integer({ minimum: 1, default: 32 }),
  BodyLimitBytes: Type.Integer({ minimum: 1024, default: 32 * 1024 * 1024 }),
});

export type SidecarConfig = Static<typeof SidecarConfigSchema>;

/** Environment variables and the keys they override (SIDECARPORT as upstream). */
export const SIDECAR_ENV_VARS: Record<string, string> = {
  SIDECARPORT: 'SidecarPort',
  DOCKER_HOST: 'DockerHost',
  DATAROOTFOLDER: 'DataRootFolder',
};
