import { describe, expect, it } from 'vitest';
import { createLogger, levelFromConfig, parseLogLevel, serializeError, type LogDestination } from '../src';

function sink(): LogDestination & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (line: string) => lines.push(JSON.parse(line)) };
}

describe('createLogger', () => {
  it('writes one JSON line with time, level, service, msg and fields', () => {
    const out = sink();
    const raw: string[] = [];
    const log = createLogger({
      service: 'relay',
      level: 'info',
      destination: { write: (l: string) => (raw.push(l), out.write(l)) },
    });
    log.info('pod created', { namespace: 'ns', pod: 'p', uid: 'u-1' });
    expect(raw).toHaveLength(1);
    expect(raw[0]!.endsWith('\n')).toBe(true);
    expect(raw[0]!.trim().includes('\n')).toBe(false);
    const line = out.lines[0]!;
    expect(line).toMatchObject({
      level: 'info',
      service: 'relay',
      msg: 'pod created',
      namespace: 'ns',
      pod: 'p',
      uid: 'u-1',
    });
    expect(new Date(line['time'] as string).toISOString()).toBe(line['time']);
  });

  it('keeps multi-line messages, fields and error stacks on one line each', () => {
    const raw: string[] = [];
    const log = createLogger({
      service: 's',
      level: 'debug',
      destination: { write: (l: string) => void raw.push(l) },
    });
    const err = new Error('first line\nsecond line');
    log.error('sbatch failed:\nline 2\r\nline 3', { stderr: 'a\nb', err });
    log.debug('plain');
    expect(raw).toHaveLength(2);
    for (const line of raw) {
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toMatch(/[\r\n]/);
    }
    const first = JSON.parse(raw[0]!) as Record<string, unknown>;
    expect(first['msg']).toBe('sbatch failed:\nline 2\r\nline 3');
    expect(first['stderr']).toBe('a\nb');
    expect(JSON.stringify(first['err'])).toContain('first line\\nsecond line');
  });

  it('filters below the configured level', () => {
    const out = sink();
    const log = createLogger({ service: 's', level: 'warn', destination: out });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(out.lines.map((l) => l['level'])).toEqual(['warn', 'error']);
    expect(log.isLevelEnabled('info')).toBe(false);
  });

  it('child loggers add fields and keep the level', () => {
    const out = sink();
    const log = createLogger({ service: 's', level: 'debug', destination: out }).child({
      sessionId: 'CreatePod#1',
    });
    log.child({ pod: 'p' }).debug('x', { extra: 1 });
    expect(out.lines[0]).toMatchObject({ sessionId: 'CreatePod#1', pod: 'p', extra: 1, level: 'debug' });
  });

  it('reserved keys cannot be overwritten by fields', () => {
    const out = sink();
    createLogger({ service: 's', destination: out, level: 'info' }).info('real', {
      msg: 'fake',
      level: 'error',
      service: 'x',
    });
    expect(out.lines[0]).toMatchObject({ msg: 'real', level: 'info', service: 's' });
  });

  it('serialises errors with message; stack only at debug', () => {
    const info = sink();
    const debug = sink();
    const err = Object.assign(new Error('boom', { cause: new Error('root') }), { code: 'EFAIL' });
    createLogger({ service: 's', level: 'info', destination: info }).error('failed', { err });
    createLogger({ service: 's', level: 'debug', destination: debug }).error('failed', { err });
    expect(info.lines[0]!['err']).toEqual({ message: 'boom', code: 'EFAIL', cause: { message: 'root' } });
    expect((debug.lines[0]!['err'] as { stack: string }).stack).toContain('boom');
  });

  it('survives cycles and bigint in fields', () => {
    const out = sink();
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    createLogger({ service: 's', level: 'info', destination: out }).info('odd', { cyclic, big: 10n });
    expect(out.lines[0]).toMatchObject({ big: '10', cyclic: { a: 1, self: '[Circular]' } });
  });

  it('a throwing destination does not throw to the caller', () => {
    const log = createLogger({
      service: 's',
      level: 'info',
      destination: {
        write: () => {
          throw new Error('EPIPE');
        },
      },
    });
    expect(() => log.info('x')).not.toThrow();
  });

  it('takes the level from LOG_LEVEL when none is given', () => {
    const before = process.env['LOG_LEVEL'];
    process.env['LOG_LEVEL'] = 'error';
    try {
      expect(createLogger({ service: 's', destination: sink() }).level).toBe('error');
    } finally {
      if (before === undefined) delete process.env['LOG_LEVEL'];
      else process.env['LOG_LEVEL'] = before;
    }
  });
});

describe('levels', () => {
  it('maps upstream VerboseLogging/ErrorsOnlyLogging', () => {
    expect(levelFromConfig({ VerboseLogging: true }, {})).toBe('debug');
    expect(levelFromConfig({ ErrorsOnlyLogging: true }, {})).toBe('error');
    expect(levelFromConfig({ VerboseLogging: true, ErrorsOnlyLogging: true }, {})).toBe('debug');
    expect(levelFromConfig({}, { LOG_LEVEL: 'WARNING' })).toBe('warn');
    expect(levelFromConfig({}, { LOG_LEVEL: 'nonsense' })).toBe('info');
  });
  it('parses level names', () => {
    expect(parseLogLevel(' Debug ')).toBe('debug');
    expect(parseLogLevel('trace')).toBeUndefined();
    expect(serializeError('plain')).toEqual({ message: 'plain' });
  });
});
