import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '@interlink/http-kit';
import { ensureBench, waitFor, workspaceRoot } from '@interlink/testbench';

const root = workspaceRoot();
const main = join(root, 'dist/apps/docker-sidecar/main.js');

async function viaSocket(
  socket: string,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  const client = new HttpClient({ baseUrl: `unix://${socket}` });
  try {
    const res = await client.request({ method, path, ...(body === undefined ? {} : { body }) });
    return { status: res.status, text: res.text() };
  } finally {
    client.close();
  }
}

describe('the docker-sidecar process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docker-sidecar-proc-'));
  beforeAll(async () => {
    await ensureBench(['docker']);
    const build = spawnSync('node', ['tools/build/build.mjs', 'apps/docker-sidecar'], {
      cwd: root,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints its version', () => {
    const r = spawnSync('node', [main, '--version'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses a bad configuration naming the key, with exit code 2', () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, 'SidecarPort: "4000"\nDataRootFolder: relative/path\n');
    const r = spawnSync('node', [main, '--config', config], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/DataRootFolder/);
    writeFileSync(config, 'SidecarPort: "not-a-port"\n');
    const port = spawnSync('node', [main, '--config', config], { encoding: 'utf8' });
    expect(port.status).toBe(2);
    expect(port.stderr).toMatch(/SidecarPort/);
  });

  it('serves the plugin API on a unix socket (upstream Socket key), /healthz, /metrics, and stops cleanly', async () => {
    const socket = join(dir, 'plugin.sock');
    const config = join(dir, 'ok.yaml');
    writeFileSync(
      config,
      `Socket: unix://${socket}\nDataRootFolder: ${join(dir, 'pods')}\nInstanceName: proc-test\nErrorsOnlyLogging: true\n`,
    );
    const child = spawn('node', [main, '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      await waitFor('socket', () => existsSync(socket), { timeoutMs: 15_000 });
      const ping = await viaSocket(socket, 'GET', '/status', '[]');
      expect(ping.status).toBe(200);
      expect(JSON.parse(ping.text)).toMatchObject({ status: 'ok', resources: { cpu: expect.any(String) } });
      expect((await viaSocket(socket, 'GET', '/healthz')).status).toBe(200);
      const metrics = await viaSocket(socket, 'GET', '/metrics');
      expect(metrics.text).toMatch(/^interlink_docker_pods(\{[^}]*\})? 0$/m);
      const openapi = JSON.parse((await viaSocket(socket, 'GET', '/openapi.json')).text) as { paths: object };
      expect(Object.keys(openapi.paths)).toContain('/getLogs');
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code, stderr).toBe(0);
    expect(existsSync(socket)).toBe(false);
  }, 30_000);
});
