import { describe, expect, it } from 'vitest';
import { RelayError } from '@interlink/relay-client';
import { answerText, classifyCreateFailure, pluginWarnings } from './create-failure';

const http = (status: number, body: string) => new RelayError('CreatePod', 'http', `HTTP ${status}`, 'CreatePod#1', status, body);

describe('create failure rules', () => {
  it.each([
    ['relay down', new RelayError('CreatePod', 'unreachable', 'connect ECONNREFUSED 127.0.0.1:3000', 'CreatePod#1')],
    ['timeout', new RelayError('CreatePod', 'timeout', 'no answer within 30s', 'CreatePod#1')],
    ['connection reset', new RelayError('CreatePod', 'transport', 'socket hang up', 'CreatePod#1')],
    ['unreadable 200 answer', new RelayError('CreatePod', 'protocol', 'CreateStruct: PodUID missing', 'CreatePod#1')],
    ['500', http(500, 'plugin crashed')],
    ['502 plugin down', http(502, '{"error":"plugin unreachable"}')],
    ['503', http(503, 'busy')],
    ['429', http(429, 'slow down')],
  ])('%s is retried with back-off, never failing the pod', (_name, err) => {
    const first = classifyCreateFailure(err, 1);
    expect(first.terminal).toBe(false);
    expect(first.afterMs).toBe(1_000);
    expect(classifyCreateFailure(err, 3).afterMs).toBe(4_000);
    expect(classifyCreateFailure(err, 50).afterMs).toBe(30_000);
  });

  it('fails the pod on a 4xx refusal with the plugin message', () => {
    const verdict = classifyCreateFailure(http(400, '{"error": "spec.containers[0].image: must not be empty"}'), 1);
    expect(verdict).toMatchObject({ terminal: true, message: 'error creating pod (HTTP 400): spec.containers[0].image: must not be empty' });
  });

  it('does not retry a 409: the plugin saw the pod deleted and started nothing', () => {
    const verdict = classifyCreateFailure(http(409, '{"error":"pod ns/p (uid u) was deleted before this create arrived; nothing was started"}'), 1);
    expect(verdict.terminal).toBe(true);
    expect(verdict.message).toContain('was deleted before this create arrived; nothing was started');
  });

  it('reads error texts from JSON and plain-text answers', () => {
    expect(answerText('{"error":"bad partition"}')).toBe('bad partition');
    expect(answerText('{"message":"bad image"}')).toBe('bad image');
    expect(answerText('  sbatch: error: invalid partition\n')).toBe('sbatch: error: invalid partition');
    expect(answerText('{"other":1}')).toBe('{"other":1}');
    expect(answerText(undefined)).toBe('');
  });

  it('takes the plugin Warnings of a create answer, strings only', () => {
    expect(pluginWarnings({ PodUID: 'u', PodJID: 'j' })).toEqual([]);
    expect(pluginWarnings({ PodUID: 'u', PodJID: 'j', Warnings: null } as never)).toEqual([]);
    expect(pluginWarnings({ PodUID: 'u', PodJID: 'j', Warnings: 'x' } as never)).toEqual([]);
    expect(pluginWarnings({ PodUID: 'u', PodJID: 'j', Warnings: ['memory limit rounded up to 1G', 3, '', ' gpu ignored '] } as never)).toEqual([
      'memory limit rounded up to 1G',
      'gpu ignored',
    ]);
  });
});
