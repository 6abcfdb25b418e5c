import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import axios from 'axios';
import { benchEnv, repoRoot, waitFor } from '@interlink/testbench';
import {
  chainPorts,
  dockerSidecarConfig,
  relayConfig,
  slurmSidecarConfig,
  upstreamSlurmConfig,
  vkConfig,
  type ChainPorts,
  type ConfigDirs,
} from './chain-configs';
import { ProcessGroup, tcpOpen } from './process-group';

export type Side = 'ours' | 'theirs';
export type PluginKind = 'docker' | 'slurm' | 'upstream-slurm';

/** One node controller → relay → plugin chain of the interoperability matrix. */
export interface ChainSpec {
  id: string;
  vk: Side;
  relay: Side;
  plugin: PluginKind;
  /** First of the chain's ports (relay); every chain has its own ten. */
  basePort: number;
}

export interface RunningChain {
  spec: ChainSpec;
  nodeName: string;
  ports: ChainPorts;
  /** Docker label value of the chain's own Docker sidecar instance (docker plugin only). */
  instance: string;
  dataDir: string;
  group: ProcessGroup;
  stop(): Promise<void>;
}

const STAND_IN = resolve(repoRoot, 'tests/interop/fixtures/singularity-stand-in.sh');

function ourApp(app: string): string[] {
  return ['--enable-source-maps', join(repoRoot, 'dist/apps', app, 'main.js')];
}

/** A plugin another chain already runs (the bench puts both chains on one Docker sidecar). */
export interface SharedPlugin {
  url: string;
  port: string;
}

/**
 * Starts plugin, relay, node controller (in that order, each healthy before the next). With
 * `shared`, the relay uses that plugin and this chain starts none.
 */
export async function startChain(
  spec: ChainSpec,
  upstreamBin: string,
  shared?: SharedPlugin,
): Promise<RunningChain> {
  const dir = mkdtempSync(join(tmpdir(), `interop-${spec.id}-`));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const dirs: ConfigDirs = { dir, dataDir, standIn: STAND_IN };
  const ports = chainPorts(spec.basePort);
  const group = new ProcessGroup(dir);
  const instance = `interop-${spec.id}`;
  const chain: RunningChain = {
    spec,
    nodeName: `interop-${spec.id}`,
    ports,
    instance,
    dataDir,
    group,
    stop: async () => {
      await group.stopAll();
      if (process.env.INTEROP_KEEP_LOGS !== '1') rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    const plugin = shared ?? (await startPlugin(chain, dirs, upstreamBin));
    await startRelay(chain, dirs, plugin, upstreamBin);
    startNodeController(chain, dirs, upstreamBin);
  } catch (err) {
    await chain.stop();
    throw err;
  }
  return chain;
}

async function startPlugin(
  chain: RunningChain,
  dirs: ConfigDirs,
  upstreamBin: string,
): Promise<SharedPlugin> {
  const { spec, ports, group } = chain;
  if (spec.plugin === 'upstream-slurm') {
    const socket = join(dirs.dir, 'slurm-plugin.sock');
    // SHARED_FS=true: upstream writes ConfigMap/Secret files only then (its bug; our node shares
    // the filesystem with the plugin, so this is what a correct plugin would do anyway).
    group.start({
      name: 'plugin',
      cmd: join(upstreamBin, 'slurm-plugin'),
      args: [],
      env: { SLURMCONFIGPATH: upstreamSlurmConfig(dirs, socket), SHARED_FS: 'true' },
    });
    await waitHealthy(chain, 'plugin', () => socketAnswers(socket));
    return { url: `unix://${socket}`, port: '' };
  }
  const config =
    spec.plugin === 'docker'
      ? dockerSidecarConfig(dirs, ports, chain.instance)
      : slurmSidecarConfig(dirs, ports);
  const app = spec.plugin === 'docker' ? 'docker-sidecar' : 'slurm-sidecar';
  group.start({ name: 'plugin', cmd: process.execPath, args: [...ourApp(app), '--config', config], env: {} });
  await waitHealthy(chain, 'plugin', () => httpOk(`http://127.0.0.1:${ports.plugin}/healthz`));
  return { url: 'http://127.0.0.1', port: String(ports.plugin) };
}

async function startRelay(
  chain: RunningChain,
  dirs: ConfigDirs,
  plugin: SharedPlugin,
  upstreamBin: string,
): Promise<void> {
  const { spec, ports, group } = chain;
  const config = relayConfig(dirs, ports.relay, plugin);
  if (spec.relay === 'theirs') {
    // upstream reads its config only from INTERLINKCONFIGPATH (no flag)
    group.start({
      name: 'relay',
      cmd: join(upstreamBin, 'interlink'),
      args: [],
      env: { INTERLINKCONFIGPATH: config },
    });
    await waitHealthy(chain, 'relay', () => tcpOpen(ports.relay));
    return;
  }
  group.start({
    name: 'relay',
    cmd: process.execPath,
    args: [...ourApp('interlink'), '--config', config],
    env: {},
  });
  await waitHealthy(chain, 'relay', () => httpOk(`http://127.0.0.1:${ports.relay}/readyz`));
}

function startNodeController(chain: RunningChain, dirs: ConfigDirs, upstreamBin: string): void {
  const { spec, ports, group } = chain;
  const env = {
    NODENAME: chain.nodeName,
    KUBECONFIG: benchEnv.kubeconfig,
    KUBELET_PORT: String(ports.kubelet),
    KUBELET_URL: '127.0.0.1',
    POD_IP: '127.0.0.1',
    CONFIGPATH: vkConfig(dirs, ports, spec.vk === 'ours'),
  };
  if (spec.vk === 'theirs') group.start({ name: 'vk', cmd: join(upstreamBin, 'vk'), args: [], env });
  else group.start({ name: 'vk', cmd: process.execPath, args: ourApp('virtual-kubelet'), env });
}

async function waitHealthy(chain: RunningChain, name: string, probe: () => Promise<boolean>): Promise<void> {
  await waitFor(
    `${name} of chain ${chain.spec.id} healthy`,
    async () => {
      if (chain.group.exited(name)) throw new Error(`${name} exited:\n${chain.group.tail(name)}`);
      return probe();
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n--- ${name} log\n${chain.group.tail(name)}`);
  });
}

async function httpOk(url: string): Promise<boolean> {
  const r = await axios.get(url, { timeout: 2000, validateStatus: () => true }).catch(() => undefined);
  return r !== undefined && r.status < 300;
}

async function socketAnswers(socket: string): Promise<boolean> {
  const r = await axios
    .get('http://plugin/status', { socketPath: socket, timeout: 2000, validateStatus: () => true, data: [] })
    .catch(() => undefined);
  return r !== undefined;
}
