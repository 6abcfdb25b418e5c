import { describe, expect, it } from 'vitest';
import { LogQueryError, logStructFor, parseLogQuery } from './log-query';
import { kubeletSubresource, kubeletVerb } from './kubelet-auth';

const q = (s: string) => new URLSearchParams(s);

describe('parseLogQuery', () => {
  it('maps every kubelet parameter onto LogStruct options', () => {
    const s = logStructFor('ns', 'p', '3b1f6a52-0d84-4c57-9e3a-7a2c1d9e4b10', 'c', q('tailLines=10&limitBytes=4096&timestamps=true&follow=1&previous=false'));
    expect(s).toEqual({
      Namespace: 'ns',
      PodUID: '3b1f6a52-0d84-4c57-9e3a-7a2c1d9e4b10',
      PodName: 'p',
      ContainerName: 'c',
      Opts: { Tail: 10, Bytes: 4096, Timestamps: true, Follow: true, Previous: false, SinceSeconds: 0, SinceTime: '0001-01-01T00:00:00Z' },
    });
  });
  it('handles sinceSeconds and sinceTime', () => {
    expect(parseLogQuery(q('sinceSeconds=30'))).toMatchObject({ SinceSeconds: 30, SinceTime: '0001-01-01T00:00:00Z' });
    expect(parseLogQuery(q('sinceTime=2026-03-02T11:05:00Z'))).toMatchObject({ SinceTime: '2026-03-02T11:05:00Z' });
    expect(parseLogQuery(q('sinceTime=2026-03-02T12:05:00%2B01:00'))).toMatchObject({ SinceTime: '2026-03-02T11:05:00Z' });
  });
  it.each([
    ['tailLines=-1', /tailLines/],
    ['tailLines=abc', /tailLines/],
    ['limitBytes=0', /limitBytes/],
    ['sinceSeconds=0', /sinceSeconds/],
    ['sinceSeconds=5&sinceTime=2026-03-02T11:05:00Z', /together/],
    ['sinceTime=yesterday', /RFC 3339/],
    ['follow=maybe', /follow/],
  ])('rejects %s', (query, message) => {
    expect(() => parseLogQuery(q(query))).toThrow(LogQueryError);
    expect(() => parseLogQuery(q(query))).toThrow(message);
  });
});

describe('kubelet authorization attributes', () => {
  it.each([
    ['/containerLogs/ns/p/c', 'proxy'],
    ['/pods', 'proxy'],
    ['/runningpods/', 'proxy'],
    ['/exec/ns/p/c', 'proxy'],
    ['/metrics', 'metrics'],
    ['/metrics/resource', 'metrics'],
    ['/stats/summary', 'stats'],
    ['/logs/syslog', 'log'],
    ['/spec/', 'spec'],
  ])('%s → nodes/%s', (path, sub) => expect(kubeletSubresource(path)).toBe(sub));
  it('maps methods to verbs', () => {
    expect(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].map(kubeletVerb)).toEqual(['get', 'get', 'create', 'update', 'patch', 'delete']);
  });
});
