import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBench, eventually, repoRoot, run, runOk } from '@interlink/testbench';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deletePodThroughRelay, echoPod, runPodThroughRelay } from './support/relay';

const PROJECT = 'interlink-ci';
const VK_NODES = ['compose-docker', 'compose-slurm'];
let kubeconfig = '';

/** The variables a user would set; the bench kubeconfig is root's (0600), hence VK_USER=0:0. */
const composeEnv = (): Record<string, string> => ({
  VK_KUBECONFIG: kubeconfig,
  VK_USER: '0:0',
  VK_NODENAME: VK_NODES[0]!,
  VK_SLURM_NODENAME: VK_NODES[1]!,
  VK_KUBELET_PORT: '10260',
  VK_SLURM_KUBELET_PORT: '10261',
  VK_POD_IP: '127.0.0.1',
});
const compose = (args: string[], timeoutMs = 300_000) =>
  run('docker', ['compose', '-p', PROJECT, ...args], { env: composeEnv(), timeoutMs });

async function tearDown(): Promise<void> {
  await compose(['--profile', 'vk', 'down', '-v', '--timeout', '20'], 180_000);
  await run('kubectl', ['delete', 'node', ...VK_NODES, '--ignore-not-found'], {
    env: { KUBECONFIG: kubeconfig },
  });
  // Pod containers live on the host engine, outside the compose project.
  const left = (
    await runOk('docker', ['ps', '-aq', '--filter', 'label=interlink.sidecar=interlink-compose'])
  ).trim();
  if (left) await run('docker', ['rm', '-f', ...left.split('\n')]);
}

describe('docker-compose.yaml', () => {
  beforeAll(async () => {
    await runOk('bash', ['tools/deploy/compose-tools.sh'], { timeoutMs: 600_000 });
  }, 600_000);

  it.each([
    ['docker compose (v2)', ['docker', 'compose']],
    ['docker-compose (v1, Debian)', ['docker-compose']],
  ])('%s accepts it, with and without the vk profile', async (_label, cmd) => {
    for (const profile of [[], ['--profile', 'vk']]) {
      const r = await run(cmd[0]!, [...cmd.slice(1), ...profile, 'config', '--services'], {
        env: { VK_KUBECONFIG: '/dev/null' },
      });
      expect(r.stderr.replace(/^.*(level=warning|WARN).*$/gm, '').trim()).toBe('');
      expect(r.code).toBe(0);
      const services = r.stdout.trim().split('\n').sort();
      const expected = ['docker-sidecar', 'interlink-docker', 'interlink-slurm', 'slurm', 'slurm-sidecar'];
      const withVk = [...expected, 'virtual-kubelet', 'virtual-kubelet-slurm'].sort();
      // v1 lists the services of every profile; v2 only the active ones.
      expect(services).toEqual(profile.length || cmd[0] === 'docker-compose' ? withVk : expected);
    }
  });
});

interface ComposeService {
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: Array<{ type: string; source: string; target: string; read_only?: boolean }>;
}

describe('docker-compose.yaml, as docker compose resolves it (--profile vk config --format json)', () => {
  let services: Record<string, ComposeService> = {};
  beforeAll(async () => {
    await runOk('bash', ['tools/deploy/compose-tools.sh'], { timeoutMs: 600_000 });
    const out = await runOk('docker', ['compose', '--profile', 'vk', 'config', '--format', 'json'], {
      env: { VK_KUBECONFIG: '/dev/null' },
    });
    services = (JSON.parse(out) as { services: Record<string, ComposeService> }).services;
  }, 600_000);
  const mount = (service: string, target: string) =>
    services[service]?.volumes?.find((v) => v.target === target);

  it('every service has a health check', () => {
    const without = Object.entries(services)
      .filter(([, s]) => !s.healthcheck?.test?.length)
      .map(([n]) => n);
    expect(Object.keys(services)).toHaveLength(7);
    expect(without).toEqual([]);
  });

  it('each service starts after what it talks to is healthy', () => {
    const deps = Object.fromEntries(
      Object.entries(services).map(([n, s]) => [
        n,
        Object.entries(s.depends_on ?? {}).map(([d, c]) => `${d}:${c.condition}`),
      ]),
    );
    expect(deps).toEqual({
      'docker-sidecar': [],
      slurm: [],
      'slurm-sidecar': ['slurm:service_healthy'],
      'interlink-docker': ['docker-sidecar:service_healthy'],
      'interlink-slurm': ['slurm-sidecar:service_healthy'],
      'virtual-kubelet': ['interlink-docker:service_healthy'],
      'virtual-kubelet-slurm': ['interlink-slurm:service_healthy'],
    });
  });

  it.each([
    ['interlink-docker', '/etc/interlink/InterLinkConfig.yaml', 'config/interlink/InterLinkConfig.yaml'],
    ['interlink-slurm', '/etc/interlink/InterLinkConfig.yaml', 'config/interlink/InterLinkConfig.yaml'],
    ['docker-sidecar', '/etc/interlink/InterLinkConfig.yaml', 'config/docker-sidecar/InterLinkConfig.yaml'],
    ['slurm-sidecar', '/etc/interlink/SlurmConfig.yaml', 'config/slurm-sidecar/SlurmConfig.yaml'],
    ['slurm-sidecar', '/etc/slurm/slurm.conf', 'config/slurm/slurm.conf'],
    ['slurm', '/etc/slurm/slurm.conf', 'config/slurm/slurm.conf'],
    ['virtual-kubelet', '/etc/interlink/InterLinkConfig.yaml', 'config/virtual-kubelet/InterLinkConfig.yaml'],
    [
      'virtual-kubelet-slurm',
      '/etc/interlink/InterLinkConfig.yaml',
      'config/virtual-kubelet/InterLinkConfig-slurm.yaml',
    ],
  ])('%s reads %s from %s, read-only', (service, target, file) => {
    expect(mount(service, target)).toMatchObject({
      type: 'bind',
      source: join(repoRoot, file),
      read_only: true,
    });
  });

  it("the Slurm sidecar shares slurmd's job directory (at its DataRootFolder) and munged's socket", () => {
    const cfg = parse(readFileSync(join(repoRoot, 'config/slurm-sidecar/SlurmConfig.yaml'), 'utf8')) as {
      DataRootFolder: string;
    };
    const jobs = cfg.DataRootFolder.replace(/\/$/, '');
    for (const target of [jobs, '/run/munge']) {
      const a = mount('slurm', target);
      const b = mount('slurm-sidecar', target);
      expect(a?.type, `${target} in slurm`).toBe('volume');
      expect(b?.source, `${target} in slurm-sidecar`).toBe(a?.source);
    }
  });

  it('the Docker sidecar drives the host engine through its socket; pod files at the same path on both sides', () => {
    expect(mount('docker-sidecar', '/var/run/docker.sock')?.source).toBe('/var/run/docker.sock');
    const cfg = parse(readFileSync(join(repoRoot, 'config/docker-sidecar/InterLinkConfig.yaml'), 'utf8')) as {
      DataRootFolder: string;
    };
    expect(mount('docker-sidecar', cfg.DataRootFolder)?.source).toBe(cfg.DataRootFolder);
  });
});

describe('the compose bench', () => {
  beforeAll(async () => {
    const bench = await ensureBench(['docker', 'k8s']);
    kubeconfig = bench.kubeconfig;
    await runOk('bash', ['tools/deploy/compose-tools.sh'], { timeoutMs: 600_000 });
    await tearDown();
    // What a user runs: compose builds the images (BuildKit) from the same Dockerfiles; the base
    // images come from a registry or, offline, from tools/deploy/base-images.sh.
    await runOk('bash', ['tools/deploy/base-images.sh'], { timeoutMs: 600_000 });
    const build = await compose(['--profile', 'vk', 'build'], 30 * 60_000);
    if (build.code !== 0) throw new Error(`docker compose build failed:\n${build.stderr.slice(-3000)}`);
    const up = await compose(['up', '-d', '--wait'], 600_000);
    if (up.code !== 0)
      throw new Error(
        `docker compose up failed:\n${up.stderr.slice(-3000)}\n${(await compose(['logs', '--tail', '30'])).stdout}`,
      );
  }, 40 * 60_000);

  afterAll(async () => {
    await tearDown();
  }, 300_000);

  it('every service is running and healthy', async () => {
    const ps = await runOk('docker', [
      'compose',
      '-p',
      PROJECT,
      'ps',
      '--format',
      '{{.Service}} {{.State}} {{.Health}}',
    ]);
    expect(ps.trim().split('\n').sort()).toEqual([
      'docker-sidecar running healthy',
      'interlink-docker running healthy',
      'interlink-slurm running healthy',
      'slurm running healthy',
      'slurm-sidecar running healthy',
    ]);
  });

  it('a pod created through the relay on :3000 runs as containers on the Docker sidecar', async () => {
    const pod = echoPod('compose-docker-pod', 'hello-docker');
    const result = await runPodThroughRelay(3000, pod);
    expect(result.exitCode).toBe(0);
    expect(result.logs).toContain(`hello-docker on ${pod.metadata.name}`);
    const labelled = `label=interlink.pod-uid=${pod.metadata.uid}`;
    expect((await runOk('docker', ['ps', '-aq', '--filter', labelled])).trim()).not.toBe('');
    await deletePodThroughRelay(3000, pod);
    await eventually(
      'the pod containers to be removed',
      async () =>
        (await runOk('docker', ['ps', '-aq', '--filter', labelled])).trim() === '' ? true : undefined,
      60_000,
    );
  }, 180_000);

  it('a pod created through the relay on :3001 runs as a Slurm job in the slurm service', async () => {
    const pod = echoPod('compose-slurm-pod', 'hello-slurm');
    const result = await runPodThroughRelay(3001, pod);
    expect(result.exitCode).toBe(0);
    // Runtime `none`: the command ran on the Slurm node (hostname `slurm`), as uid 1000.
    expect(result.logs).toContain('hello-slurm on slurm');
    const job = await runOk('docker', [
      'compose',
      '-p',
      PROJECT,
      'exec',
      '-T',
      'slurm',
      'scontrol',
      'show',
      'job',
      result.jobId,
    ]);
    expect(job).toMatch(/JobState=COMPLETED/);
    expect(job).toMatch(/UserId=interlink\(1000\)/);
    await deletePodThroughRelay(3001, pod);
  }, 180_000);

  it('with the vk profile, two virtual nodes join the cluster of VK_KUBECONFIG and run the examples', async () => {
    const up = await compose(['--profile', 'vk', 'up', '-d', '--wait'], 300_000);
    expect(up.stderr).not.toMatch(/error/i);
    expect(up.code).toBe(0);
    for (const node of VK_NODES) {
      await runOk('kubectl', ['wait', '--for=condition=Ready', `node/${node}`, '--timeout=120s'], {
        env: { KUBECONFIG: kubeconfig },
      });
    }
    const check = await run(
      'bash',
      [
        'tools/deploy/check-examples.sh',
        'examples/hello-world.yaml',
        'examples/configmap-secret.yaml',
        'examples/slurm-job.yaml',
        'examples/failing-pod.yaml',
      ],
      {
        env: { KUBECONFIG: kubeconfig, EXAMPLES_TIMEOUT: '180' },
        timeoutMs: 400_000,
      },
    );
    expect(check.stdout).toContain('examples: 4 passed, 0 failed');
    expect(check.code).toBe(0);
  }, 600_000);
});
