import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../src';
import { waitFor } from './helpers';

const root = join(__dirname, '..', '..', '..');

describe('graceful shutdown of a real process on SIGTERM', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('finishes the in-flight request, refuses new connections, logs and exits 0', async () => {
    child = spawn(
      join(root, 'node_modules/.bin/tsx'),
      ['--tsconfig', 'tsconfig.base.json', 'libs/http-kit/test/support/sigterm-child.ts'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child!.on('exit', (code, signal) => resolve({ code, signal })),
    );
    await waitFor(() => /LISTENING (\S+)/.test(stdout) || child!.exitCode !== null, 30_000);
    const url = /LISTENING (\S+)/.exec(stdout)?.[1];
    expect(url, stderr).toBeDefined();

    const client = new HttpClient({ baseUrl: url! });
    const inFlight = client.request({ method: 'GET', path: '/slow' });
    await new Promise((r) => setTimeout(r, 400)); // the request has reached the handler
    child.kill('SIGTERM');
    await waitFor(() => stdout.includes('shutting down'), 5_000);

    const fresh = new HttpClient({ baseUrl: url! });
    await expect(fresh.request({ method: 'GET', path: '/healthz' })).rejects.toMatchObject({
      kind: 'unreachable',
    });
    fresh.close();

    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.text()).toBe('finished');
    client.close();

    expect(await exited).toEqual({ code: 0, signal: null });
    const lines = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l['msg'] === 'shutting down')).toMatchObject({ signal: 'SIGTERM' });
    expect(lines.map((l) => l['msg'])).toContain('stopped');
  }, 60_000);
});
