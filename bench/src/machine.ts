import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { benchEnv, run } from '@interlink/testbench';

async function version(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args, { timeoutMs: 20_000 }).catch(() => undefined);
  return r && r.code === 0 ? (r.stdout.trim().split('\n')[0] ?? '') : 'not available';
}

export async function machineInfo(): Promise<{ lines: string[]; load: string }> {
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  let server = 'not available';
  try {
    const all = (await run('kubectl', ['version', '-o', 'json', '--kubeconfig', benchEnv.kubeconfig])).stdout;
    server =
      (JSON.parse(all) as { serverVersion?: { gitVersion?: string } }).serverVersion?.gitVersion ?? server;
  } catch {
    // the control plane is down: said as is
  }
  return {
    load,
    lines: [
      `CPU: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
      `memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} GiB free at the start)`,
      `kernel: Linux ${release()}`,
      `Node.js: ${process.version}`,
      `Docker Engine: ${await version('docker', ['version', '--format', '{{.Server.Version}}'])}`,
      `Slurm: ${await version('sbatch', ['--version'])}`,
      `Kubernetes API server: ${server}`,
      `load average at the start: ${load} (the bench's etcd, API server, Docker and Slurm share the same cores)`,
    ],
  };
}
