import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeLogOpts } from '@interlink/api';
import { HttpClient } from '@interlink/http-kit';
import { makePod, purge, running, startHarness, terminated, waitForStatus, type Harness } from './harness';

describe('logs', () => {
  let h: Harness;
  let steady: ReturnType<typeof makePod>;
  let between: string;

  beforeAll(async () => {
    h = await startHarness();
    // Five stdout and five stderr lines, a pause, then two late lines.
    steady = makePod({
      initContainers: [{ name: 'prep', command: ['sh', '-c', 'echo prepared'] }],
      containers: [
        {
          name: 'main',
          command: [
            'sh',
            '-c',
            'for i in 1 2 3 4 5; do echo "out$i"; sleep 0.05; echo "err$i" >&2; sleep 0.05; done; sleep 2; echo late1; echo late2; sleep 300',
          ],
        },
        { name: 'other', command: ['sleep', '300'] },
      ],
    });
    await h.createOk(steady);
    await waitForStatus(h, steady, 'early lines written', running('main'));
    await new Promise((r) => setTimeout(r, 1000));
    between = new Date().toISOString();
    await waitFor(async () => (await h.logs(steady, 'main')).body.includes('late2'));
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await purge(h);
  });

  async function waitFor(check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('condition not met');
  }

  const all = 'out1\nerr1\nout2\nerr2\nout3\nerr3\nout4\nerr4\nout5\nerr5\nlate1\nlate2\n';

  it('returns stdout and stderr merged, demultiplexed, in order', async () => {
    const r = await h.logs(steady, 'main');
    expect(r.status).toBe(200);
    expect(r.body).toBe(all);
  });

  it('Tail, Bytes and both together', async () => {
    expect((await h.logs(steady, 'main', { Tail: 3 })).body).toBe('err5\nlate1\nlate2\n');
    expect((await h.logs(steady, 'main', { Bytes: 7 })).body).toBe('out1\ner');
    expect((await h.logs(steady, 'main', { Tail: 2, Bytes: 8 })).body).toBe('late1\nla');
  });

  it('Timestamps prefix every line with RFC 3339 nanoseconds', async () => {
    const lines = (await h.logs(steady, 'main', { Timestamps: true, Tail: 2 })).body
      .split('\n')
      .filter(Boolean);
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z late[12]$/);
  });

  it('SinceTime and SinceSeconds (alone and with Tail)', async () => {
    expect((await h.logs(steady, 'main', { SinceTime: between })).body).toBe('late1\nlate2\n');
    expect((await h.logs(steady, 'main', { SinceTime: between, Tail: 10 })).body).toBe('late1\nlate2\n');
    expect((await h.logs(steady, 'main', { SinceTime: between, Tail: 1 })).body).toBe('late2\n');
    const secs = Math.ceil((Date.now() - Date.parse(between)) / 1000);
    expect((await h.logs(steady, 'main', { SinceSeconds: secs })).body).toBe('late1\nlate2\n');
    expect((await h.logs(steady, 'main', { SinceSeconds: 3600 })).body).toBe(all);
  });

  it('serves init container logs', async () => {
    expect((await h.logs(steady, 'prep')).body).toBe('prepared\n');
  });

  it('answers 404 for an unknown pod or container and 400 when the container is ambiguous', async () => {
    const ghost = makePod({ containers: [{ name: 'main' }] });
    const noPod = await h.logs(ghost, 'main');
    expect(noPod.status).toBe(404);
    expect(noPod.json<{ error: string }>().error).toMatch(/not found/);
    const noContainer = await h.logs(steady, 'nope');
    expect(noContainer.status).toBe(404);
    expect(noContainer.json<{ error: string }>().error).toMatch(
      /"nope" is not valid for pod .*\(containers: prep, main, other\)/,
    );
    const ambiguous = await h.logs(steady, '');
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.json<{ error: string }>().error).toMatch(/choose one of: \[main other\]/);
  });

  function follow(
    data: ReturnType<typeof makePod>,
    container: string,
    onChunk: (text: string, all: string, stop: () => void) => void,
  ) {
    const body = JSON.stringify({
      Namespace: 'default',
      PodUID: data.pod.metadata!.uid,
      PodName: data.pod.metadata!.name,
      ContainerName: container,
      Opts: completeLogOpts({ Follow: true }),
    });
    return followWith(new HttpClient({ baseUrl: h.url }), body, onChunk);
  }

  /** Reads a streamed /getLogs answer chunk by chunk until it ends or the caller stops it. */
  async function followWith(
    client: HttpClient,
    body: string,
    onChunk: (text: string, all: string, stop: () => void) => void,
  ): Promise<{ status: number; text: string; ended: boolean; chunks: number }> {
    const controller = new AbortController();
    try {
      const res = await client.stream({ method: 'GET', path: '/getLogs', body, signal: controller.signal });
      let text = '';
      let chunks = 0;
      for await (const c of res.stream) {
        chunks++;
        text += String(c);
        let stopped = false;
        onChunk(String(c), text, () => (stopped = true));
        if (stopped) {
          controller.abort();
          return { status: res.status, text, ended: false, chunks };
        }
      }
      return { status: res.status, text, ended: true, chunks };
    } finally {
      client.close();
    }
  }

  it('Follow streams lines as they are written and ends when the container stops', async () => {
    const data = makePod({
      containers: [
        { name: 'main', command: ['sh', '-c', 'for i in 1 2 3 4 5 6; do echo "tick$i"; sleep 0.4; done'] },
      ],
    });
    await h.createOk(data);
    await waitForStatus(h, data, 'running', running('main'));
    const seen: Array<{ at: number; text: string }> = [];
    const result = await follow(data, 'main', (text) => seen.push({ at: Date.now(), text }));
    expect(result.status).toBe(200);
    expect(result.ended).toBe(true);
    expect(result.text).toBe('tick1\ntick2\ntick3\ntick4\ntick5\ntick6\n');
    expect(seen.length).toBeGreaterThan(2);
    expect(seen[seen.length - 1]!.at - seen[0]!.at).toBeGreaterThan(800);
    await waitForStatus(h, data, 'terminated after the stream ended', terminated('main'), 5000);
  });

  it('Follow stops when the caller disconnects', async () => {
    const data = makePod({
      containers: [{ name: 'main', command: ['sh', '-c', 'while true; do echo beat; sleep 0.2; done'] }],
    });
    await h.createOk(data);
    await waitForStatus(h, data, 'running', running('main'));
    const result = await follow(data, 'main', (_t, all, stop) => {
      if (all.split('\n').length > 3) stop();
    });
    expect(result.ended).toBe(false);
    // The server notices: the request finishes on its side and is logged.
    await waitFor(async () =>
      h.logLines.some((l) => l.includes('"path":"/getLogs"') && l.includes(data.pod.metadata!.uid!)),
    );
    const next = await h.logs(data, 'main', { Tail: 1 });
    expect(next.body).toBe('beat\n');
  });
});
