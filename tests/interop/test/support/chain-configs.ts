import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Ports of one chain, all inside this suite's range (26000-26999). */
export interface ChainPorts {
  relay: number;
  plugin: number;
  kubelet: number;
  vkMetrics: number;
}

export function chainPorts(base: number): ChainPorts {
  return { relay: base, plugin: base + 1, kubelet: base + 2, vkMetrics: base + 3 };
}

export interface ConfigDirs {
  dir: string;
  dataDir: string;
  standIn: string;
}

function write(dir: string, file: string, value: unknown): string {
  const path = join(dir, file);
  writeFileSync(path, stringify(value));
  return path;
}

export function dockerSidecarConfig(d: ConfigDirs, ports: ChainPorts, instance: string): string {
  return write(d.dir, 'docker-sidecar.yaml', {
    SidecarPort: String(ports.plugin),
    SidecarHost: '127.0.0.1',
    DataRootFolder: join(d.dataDir, 'docker-sidecar'),
    DockerHost: 'unix:///var/run/docker.sock',
    InstanceName: instance,
  });
}

/** Ours, with the singularity stand-in so that volumes are bound like on a real cluster. */
export function slurmSidecarConfig(d: ConfigDirs, ports: ChainPorts): string {
  return write(d.dir, 'slurm-sidecar.yaml', {
    SidecarPort: String(ports.plugin),
    SidecarHost: '127.0.0.1',
    DataRootFolder: `${join(d.dataDir, 'slurm-jobs')}/`,
    Partition: 'debug',
    ContainerRuntime: 'singularity',
    SingularityPath: d.standIn,
    MemoryDefault: '64M',
  });
}

/**
 * Upstream's Slurm plugin on a unix socket: in TCP mode it binds every interface. Its
 * DataRootFolder must end in "/". SingularityPath is the stand-in (the bench has no Singularity).
 */
export function upstreamSlurmConfig(d: ConfigDirs, socket: string): string {
  return write(d.dir, 'slurm-plugin.yaml', {
    Socket: `unix://${socket}`,
    SidecarPort: '',
    SbatchPath: '/usr/bin/sbatch',
    ScancelPath: '/usr/bin/scancel',
    SqueuePath: '/usr/bin/squeue',
    SinfoPath: '/usr/bin/sinfo',
    DataRootFolder: `${join(d.dataDir, 'slurm-plugin')}/`,
    CommandPrefix: '',
    ImagePrefix: '',
    ExportPodData: true,
    Namespace: 'interop',
    BashPath: '/bin/bash',
    SingularityPath: d.standIn,
    SingularityDefaultOptions: ['--no-eval'],
    ContainerRuntime: 'singularity',
    Tsocks: false,
    VerboseLogging: false,
    ErrorsOnlyLogging: false,
  });
}

/**
 * The relay config keys are the same for ours and upstream's (wire compatibility). A unix://
 * plugin has no port: the key is left out (upstream also takes `SidecarPort: ""`, ours refuses
 * that; see the relay-config test in our-relay-their-slurm.test.ts).
 */
export function relayConfig(d: ConfigDirs, relayPort: number, plugin: { url: string; port: string }): string {
  return write(d.dir, 'relay.yaml', {
    InterlinkAddress: 'http://127.0.0.1',
    InterlinkPort: String(relayPort),
    SidecarURL: plugin.url,
    ...(plugin.port === '' ? {} : { SidecarPort: plugin.port }),
    DataRootFolder: `${join(d.dataDir, 'relay')}/`,
    VerboseLogging: false,
    ErrorsOnlyLogging: false,
  });
}

/** Node controller config: keys both implementations read; ours adds its health/metrics address. */
export function vkConfig(d: ConfigDirs, ports: ChainPorts, ours: boolean): string {
  const common = {
    InterlinkURL: 'http://127.0.0.1',
    InterlinkPort: String(ports.relay),
    DisableCSR: true,
    VerboseLogging: false,
    ErrorsOnlyLogging: false,
    Resources: { CPU: '100', Memory: '128Gi', Pods: '1000' },
    NodeLabels: ['interop=true'],
  };
  const ourExtras = { MetricsAddress: `127.0.0.1:${ports.vkMetrics}` };
  return write(d.dir, 'vk.yaml', ours ? { ...common, ...ourExtras } : common);
}
