import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HttpClient } from '@interlink/http-kit';
import { RecordingPlugin } from './RecordingPlugin';

// The shipped artefact: esbuild bundle run with plain node, exactly as deployed.
const root = resolve(__dirname, '../../..');
const main = join(root, 'dist/apps/interlink/main.js');
const dir = mkdtempSync(join(tmpdir(), 'relay-process-'));

beforeAll(() => {
  execFileSync(process.execPath, ['tools/build/build.mjs', 'apps/interlink'], { cwd: root, stdio: 'pipe' });
});

function waitForSocket(path: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolvePromise, reject) => {
    const tick = (): void => {
      let ready = false;
      try {
        ready = lstatSync(path).isSocket();
      } catch {
        ready = false;
      }
      if (ready) resolvePromise();
      else if (Date.now() - start > timeoutMs) reject(new Error(`socket ${path} did not appear`));
      else setTimeout(tick, 50);
    };
    tick();
  });
}

function waitForLine(output: () => string, text: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolvePromise, reject) => {
    const tick = (): void => {
      if (output().includes(text)) resolvePromise();
      else if (Date.now() - start > timeoutMs) reject(new Error(`"${text}" not logged; output: ${output()}`));
      else setTimeout(tick, 50);
    };
    tick();
  });
}

describe('relay process (built bundle)', () => {
  const plugin = new RecordingPlugin();
  beforeAll(async () => {
    await plugin.start();
    plugin.answer('/status', 200, { status: 'ok' });
  });
  afterAll(() => plugin.stop());

  it('starts from an upstream config file via INTERLINKCONFIGPATH, replaces a stale socket, exits 0 on SIGTERM and removes the socket', async () => {
    const sock = join(dir, 'interlink.sock');
    // a socket file left behind by a crashed process
    spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.exit(0))`,
    ]);
    expect(lstatSync(sock).isSocket()).toBe(true);
    const port = new URL(plugin.url).port;
    const config = join(dir, 'InterLinkConfig.yaml');
    writeFileSync(
      config,
      `InterlinkAddress: "unix://${sock}"\nInterlinkPort: "0"\nSidecarURL: "http://127.0.0.1"\nSidecarPort: "${port}"\nVerboseLogging: false\nErrorsOnlyLogging: false\nDataRootFolder: /data/interlink\n`,
    );
    const child: ChildProcess = spawn(process.execPath, [main, '-verbose'], {
      env: { ...process.env, INTERLINKCONFIGPATH: config },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout!.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await waitForLine(() => stdout, 'relay ready');
      await waitForSocket(sock);
      const client = new HttpClient({ baseUrl: `unix://${sock}` });
      const res = await client.request({
        method: 'POST',
        path: '/pinglink',
        headers: { 'InterLink-Http-Session': 'PingInterLink#1' },
      });
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({ status: 'ok' });
      client.close();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(existsSync(sock)).toBe(false);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l['msg'] === 'relay ready')).toMatchObject({ logLevel: 'debug' }); // -verbose took effect
    expect(lines.find((l) => l['msg'] === 'request')).toMatchObject({
      sessionId: 'PingInterLink#1',
      path: '/pinglink',
      status: 200,
    });
  });

  it('runs from flags and environment alone (no file): a flag beats its env variable, -errorsonly silences request lines', async () => {
    const sock = join(dir, 'flags.sock');
    const port = new URL(plugin.url).port;
    const child: ChildProcess = spawn(
      process.execPath,
      [main, '--interlink-address', `unix://${sock}`, '-errorsonly'],
      {
        env: {
          ...process.env,
          INTERLINKCONFIGPATH: '',
          INTERLINKURL: 'http://127.0.0.1', // overridden by the flag
          INTERLINKPORT: '1',
          SIDECARURL: 'http://127.0.0.1',
          SIDECARPORT: port,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await waitForSocket(sock);
      const client = new HttpClient({ baseUrl: `unix://${sock}` });
      const res = await client.request({
        method: 'POST',
        path: '/pinglink',
        headers: { 'InterLink-Http-Session': 'Flags#1' },
      });
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({ status: 'ok' });
      client.close();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    expect(existsSync(sock)).toBe(false);
    expect(stdout).not.toContain('Flags#1'); // error level: no info request lines
    expect(plugin.calls('/status').some((c) => c.headers['interlink-http-session'] === 'Flags#1')).toBe(true);
  });

  it('SIGTERM while a create is in flight: the create still answers 200, then the process exits 0', async () => {
    plugin.on('/create', async (req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      const uid = (JSON.parse(req.body) as { pod: { metadata: { uid: string } } }).pod.metadata.uid;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ PodUID: uid, PodJID: 'graceful' }));
    });
    const sock = join(dir, 'graceful.sock');
    const port = new URL(plugin.url).port;
    const child: ChildProcess = spawn(
      process.execPath,
      [
        main,
        '--interlink-address',
        `unix://${sock}`,
        '--sidecar-url',
        'http://127.0.0.1',
        '--sidecar-port',
        port,
      ],
      {
        env: { ...process.env, INTERLINKCONFIGPATH: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.resume();
    child.stderr!.resume();
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await waitForSocket(sock);
    const client = new HttpClient({ baseUrl: `unix://${sock}` });
    const uid = '3b1f6a52-0d84-4c57-9e3a-7a2c1d9e4b10';
    const body = {
      pod: {
        metadata: { name: 'p', namespace: 'default', uid },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      },
      configmaps: [],
      secrets: [],
      projectedvolumesmaps: [],
      jobscriptURL: '',
    };
    const inflight = client.request({ method: 'POST', path: '/create', json: body });
    const seen = Date.now();
    while (!plugin.calls('/create').length && Date.now() - seen < 5000)
      await new Promise((r) => setTimeout(r, 10));
    expect(plugin.calls('/create')).toHaveLength(1);
    child.kill('SIGTERM');
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ PodUID: uid, PodJID: 'graceful' });
    client.close();
    expect(await exited).toBe(0);
    expect(existsSync(sock)).toBe(false);
  });

  it('a bad configuration exits 2 with a message naming the key', () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(
      config,
      'InterlinkAddress: "http://0.0.0.0"\nSidecarURL: "http://plugin"\nSidecarPort: "forty"\n',
    );
    const result = spawnSync(process.execPath, [main, '--config', config], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      `interlink: config key "SidecarPort" (from file ${config}): must match pattern`,
    );
    const missing = spawnSync(process.execPath, [main], {
      encoding: 'utf8',
      env: { ...process.env, INTERLINKCONFIGPATH: '/nonexistent/InterLinkConfig.yaml' },
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('config file /nonexistent/InterLinkConfig.yaml: not found');
  });

  it('-version and --check-config', () => {
    const version = spawnSync(process.execPath, [main, '-version'], { encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const check = spawnSync(
      process.execPath,
      [
        main,
        '--check-config',
        '--interlink-address',
        'http://127.0.0.1',
        '--sidecar-url',
        'unix:///run/p.sock',
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, INTERLINKCONFIGPATH: '' },
      },
    );
    expect(check.status).toBe(0);
    expect(JSON.parse(check.stdout).settings).toMatchObject({
      listen: 'http://127.0.0.1:3000',
      pluginUrl: 'unix:///run/p.sock',
    });
  });
});
