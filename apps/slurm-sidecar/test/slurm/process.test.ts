import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeLogStruct } from '@interlink/api';
import { HttpClient } from '@interlink/http-kit';
import { waitFor, workspaceRoot } from '@interlink/testbench';
import { makeCreate, makePod } from '../fixtures';
import { requireSlurm } from './harness';

// Real Slurm on a shared 2-core machine: allow for a busy scheduler.
vi.setConfig({ testTimeout: 180_000 });

const root = workspaceRoot();
const mainJs = resolve(root, 'dist/apps/slurm-sidecar/main.js');
const dir = mkdtempSync(join(tmpdir(), 'slurm-sidecar-proc-'));

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; text: string }> {
  const client = new HttpClient({ baseUrl: base });
  try {
    const headers = { 'InterLink-Http-Session': 'CreatePod#4242', ...(token ? { Authorization: `Bearer ${token}` } : {}) };
    const res = await client.request({ method, path, headers, ...(body === undefined ? {} : { json: body }) });
    return { status: res.status, text: res.text() };
  } finally {
    client.close();
  }
}

function startProcess(
  config: string,
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; url: Promise<string>; output: () => string } {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, config);
  const child = spawn('node', [mainJs, '--config', file], { env: { ...process.env, ...env } });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const url = waitFor(
    'the listening log line',
    () => /"msg":"slurm sidecar listening","url":"([^"]+)"/.exec(out)?.[1],
    { timeoutMs: 30_000 },
  );
  return { child, url, output: () => out };
}

function runToExit(config: string, env: NodeJS.ProcessEnv = {}): { code: number | null; stderr: string } {
  const file = join(dir, `bad-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, config);
  const r = spawnSync('node', [mainJs, '--config', file], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stderr: r.stderr };
}

beforeAll(async () => {
  await requireSlurm();
  const build = spawnSync('node', ['tools/build/build.mjs', 'apps/slurm-sidecar'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('slurm-sidecar process', () => {
  it('--version prints the version', () => {
    const r = spawnSync('node', [mainJs, '--version'], { encoding: 'utf8' });
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses a bad configuration at start-up, naming the key', () => {
    const data = `DataRootFolder: ${dir}/jobs\n`;
    expect(runToExit(`${data}SidecarPort: "abc"\n`)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/SidecarPort/),
    });
    expect(runToExit(`${data}MemoryDefault: lots\n`)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/config key "MemoryDefault"/),
    });
    expect(runToExit(`${data}SbatchPath: /nonexistent/sbatch\n`)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/config key "SbatchPath"/),
    });
    expect(runToExit(`${data}ContainerRuntime: lxc\n`)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/ContainerRuntime/),
    });
    expect(runToExit(data, { SIDECARPORT: '99999' })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/SidecarPort/),
    });
  });

  it('serves the plugin contract over HTTP: ping, create, status, logs, delete, health, metrics', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 's3cret\n');
    const p = startProcess(
      [
        `SidecarPort: "0"`,
        `SidecarHost: 127.0.0.1`,
        `DataRootFolder: ${dir}/jobs`,
        `ContainerRuntime: none`,
        `StatusCacheSeconds: 0`,
        `BearerTokenFile: ${tokenFile}`,
        `MemoryDefault: 128M`,
        `AllowRootWithRuntimeNone: true`,
      ].join('\n'),
    );
    try {
      const base = await p.url;
      expect((await call(base, 'GET', '/status', [])).status).toBe(401);
      const ping = await call(base, 'GET', '/status', [], 's3cret');
      expect(ping.status).toBe(200);
      expect(JSON.parse(ping.text)).toMatchObject({ status: 'ok', resources: { cpu: expect.any(String) } });

      const pod = makePod({
        name: 'over-http',
        containers: [{ name: 'main', image: 'none', command: ['/bin/sh', '-c', 'echo via-http'] }],
      });
      const created = await call(base, 'POST', '/create', makeCreate(pod), 's3cret');
      expect(created.status).toBe(200);
      const { PodUID, PodJID } = JSON.parse(created.text) as { PodUID: string; PodJID: string };
      expect(PodUID).toBe(pod.metadata!.uid);
      // legacy relays send a one-element array: same pod, same job
      const legacy = await call(base, 'POST', '/create', [makeCreate(pod)], 's3cret');
      expect(JSON.parse(legacy.text)).toEqual({ PodUID, PodJID });

      const done = await waitFor('the pod to finish over HTTP', async () => {
        const r = await call(base, 'GET', '/status', [pod], 's3cret');
        const [s] = JSON.parse(r.text) as {
          containers: { state: { terminated?: { exitCode: number } } }[];
        }[];
        return s?.containers[0]?.state.terminated ? s : undefined;
      });
      expect(done.containers[0]?.state.terminated?.exitCode).toBe(0);
      const logs = await call(
        base,
        'GET',
        '/getLogs',
        makeLogStruct({ Namespace: 'default', PodUID, PodName: 'over-http', ContainerName: 'main' }),
        's3cret',
      );
      expect(logs).toEqual({ status: 200, text: 'via-http\n' });

      const bad = await call(base, 'POST', '/create', { pod: { metadata: { name: 'x' } } }, 's3cret');
      expect(bad.status).toBe(400);
      const refused = await call(
        base,
        'POST',
        '/create',
        makeCreate(
          makePod({
            containers: [{ name: 'm', image: 'none', command: ['true'] }],
            annotations: { 'slurm-job.vk.io/pre-exec': 'id' },
          }),
        ),
        's3cret',
      );
      expect(refused.status).toBe(400);
      expect(refused.text).toMatch(/EnablePreExec/);

      // upstream's example annotation: the pod runs, the dropped option comes back as a warning
      const upstreamExample = makePod({
        name: 'test-pod-cfg',
        containers: [{ name: 'm', image: 'none', command: ['true'] }],
        annotations: { 'slurm-job.vk.io/flags': '--job-name=test-pod-cfg -t 2800' },
      });
      const warned = await call(base, 'POST', '/create', makeCreate(upstreamExample), 's3cret');
      expect(warned.status).toBe(200);
      expect(JSON.parse(warned.text)).toEqual({
        PodUID: upstreamExample.metadata!.uid,
        PodJID: expect.stringMatching(/^\d+$/),
        Warnings: [
          'annotation slurm-job.vk.io/flags: --job-name dropped (the sidecar names the job after the pod UID)',
        ],
      });
      const warnLine = p
        .output()
        .split('\n')
        .find((l) => l.includes('--job-name dropped'));
      expect(JSON.parse(warnLine ?? '{}')).toMatchObject({
        level: 'warn',
        sessionId: 'CreatePod#4242',
        namespace: 'default',
        pod: 'test-pod-cfg',
        uid: upstreamExample.metadata!.uid,
      });
      expect((await call(base, 'POST', '/delete', upstreamExample, 's3cret')).status).toBe(200);

      expect((await call(base, 'POST', '/delete', pod, 's3cret')).status).toBe(200);
      expect((await call(base, 'POST', '/delete', pod, 's3cret')).status).toBe(200);
      expect((await call(base, 'GET', '/healthz')).status).toBe(200);
      // /metrics follows the API's authentication (issue 15): refused without the token.
      expect((await call(base, 'GET', '/metrics')).status).toBe(401);
      const metrics = await call(base, 'GET', '/metrics', undefined, 's3cret');
      expect(metrics.text).toMatch(/slurm_sidecar_tracked_jobs/);
      expect(p.output()).toMatch(/"sessionId":"CreatePod#4242"/);
    } finally {
      p.child.kill('SIGTERM');
      await new Promise((r) => p.child.once('exit', r));
    }
    expect(p.child.exitCode).toBe(0);
  }, 120_000);
});
