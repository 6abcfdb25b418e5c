import { appendFileSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatTimestamp, joinPartials, parseStamped } from '../../src/logs/log-lines';
import { readContainerLog, type LogOptions } from '../../src/logs/log-reader';
import { cleanScratchDirsAfterAll, scratchDir } from '../scratch';

cleanScratchDirsAfterAll();

const dir = scratchDir('slurm-logs-');
const base = Date.UTC(2026, 2, 2, 10, 0, 0) / 1000;
const rec = (s: number, text: string, kind = 'F') => `${base + s}.123456 ${kind} ${text}\n`;
const opts = (o: Partial<LogOptions> = {}): LogOptions => ({
  tail: 0,
  bytes: 0,
  timestamps: false,
  follow: false,
  pollMs: 20,
  ...o,
});

async function collect(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

function stampedFile(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const never = new AbortController().signal;

describe('log lines', () => {
  it('parses records, keeps unfinished ones for later, joins partial lines', () => {
    const buf = Buffer.from(rec(0, 'one') + rec(1, 'par', 'P') + rec(2, 'tial') + '1795323407.1 F unfinish');
    const { lines, used } = parseStamped(buf);
    expect(used).toBe(buf.length - '1795323407.1 F unfinish'.length);
    expect(joinPartials(lines).map((l) => l.text.toString())).toEqual(['one', 'partial']);
  });

  it('formats kubelet timestamps (RFC 3339, nanoseconds, trailing zeros trimmed)', () => {
    expect(formatTimestamp(`${base}.123456`, 0)).toBe('2026-03-02T10:00:00.123456Z');
    expect(formatTimestamp(`${base}.100000`, 0)).toBe('2026-03-02T10:00:00.1Z');
    expect(formatTimestamp(`${base}`, 0)).toBe('2026-03-02T10:00:00Z');
  });
});

describe('LogReader', () => {
  const content = rec(0, 'a') + rec(10, 'b') + rec(20, "c $(x) 'q'") + rec(30, 'no newline', 'P');
  const path = stampedFile('full.log', content);
  const target = { path, stamped: true, isDone: async () => true };

  it('everything, with and without timestamps', async () => {
    expect(await collect(await readContainerLog(target, opts(), never))).toBe("a\nb\nc $(x) 'q'\nno newline");
    expect(await collect(await readContainerLog(target, opts({ timestamps: true, tail: 1 }), never))).toBe(
      '2026-03-02T10:00:30.123456Z no newline',
    );
  });

  it('since, then tail, then the byte limit', async () => {
    expect(await collect(await readContainerLog(target, opts({ sinceMs: (base + 10) * 1000 }), never))).toBe(
      "b\nc $(x) 'q'\nno newline",
    );
    expect(
      await collect(await readContainerLog(target, opts({ sinceMs: (base + 10) * 1000, tail: 2 }), never)),
    ).toBe("c $(x) 'q'\nno newline");
    expect(await collect(await readContainerLog(target, opts({ tail: 3, bytes: 4 }), never))).toBe('b\nc ');
    expect(await collect(await readContainerLog(target, opts({ sinceMs: (base + 100) * 1000 }), never))).toBe(
      '',
    );
  });

  it('a missing file is an empty log', async () => {
    expect(
      await collect(await readContainerLog({ ...target, path: join(dir, 'nope.log') }, opts(), never)),
    ).toBe('');
  });

  it('raw files (upstream .out) are served as they are', async () => {
    const raw = stampedFile('x.out', 'l1\nl2\nl3');
    expect(
      await collect(
        await readContainerLog(
          { path: raw, stamped: false, isDone: async () => true },
          opts({ tail: 2 }),
          never,
        ),
      ),
    ).toBe('l2\nl3');
  });

  it('follow streams new lines and ends once the container is done and drained', async () => {
    const p = stampedFile('follow.log', rec(0, 'first'));
    let done = false;
    const stream = await readContainerLog(
      { path: p, stamped: true, isDone: async () => done },
      opts({ follow: true }),
      never,
    );
    const text = collect(stream);
    await new Promise((r) => setTimeout(r, 60));
    appendFileSync(p, rec(1, 'second'));
    await new Promise((r) => setTimeout(r, 60));
    appendFileSync(p, rec(2, 'last'));
    done = true;
    expect(await text).toBe('first\nsecond\nlast\n');
  });

  it('follow waits for a file that does not exist yet, and stops when the caller aborts', async () => {
    const p = join(dir, 'later.log');
    const ac = new AbortController();
    const stream = await readContainerLog(
      { path: p, stamped: true, isDone: async () => false },
      opts({ follow: true }),
      ac.signal,
    );
    const text = collect(stream);
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(p, rec(0, 'hello'));
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    expect(await text).toBe('hello\n');
  });

  it('follow with a byte limit ends when the limit is reached', async () => {
    const p = stampedFile('limit.log', rec(0, '12345'));
    const stream = await readContainerLog(
      { path: p, stamped: true, isDone: async () => false },
      opts({ follow: true, bytes: 8 }),
      never,
    );
    const text = collect(stream);
    await new Promise((r) => setTimeout(r, 50));
    appendFileSync(p, rec(1, 'abcdef'));
    expect(await text).toBe('12345\nab');
  });
});
