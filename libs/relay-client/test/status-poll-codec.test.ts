import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { PodArrayEncoder, PodStatusDecoder } from '../src/status-poll-codec';

function pod(name: string, uid: string): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', uid, managedFields: [{ manager: 'kubectl', operation: 'Update' }] },
    spec: { containers: [{ name: 'main', image: 'busybox' }] },
  };
}

function status(uid: string, running: boolean): unknown {
  return {
    name: 'p',
    UID: uid,
    namespace: 'ns',
    JID: '',
    containers: [{ name: 'main', state: running ? { running: { startedAt: '2026-12-04T05:00:00Z' } } : {} }],
    initContainers: null,
  };
}

describe('PodArrayEncoder', () => {
  it('encodes a JSON array of the pods without managedFields', () => {
    const pods = [pod('a', 'u1'), pod('b', 'u2')];
    const parsed = JSON.parse(Buffer.concat(new PodArrayEncoder().encode(pods)).toString()) as V1Pod[];
    expect(parsed.map((p) => p.metadata?.name)).toEqual(['a', 'b']);
    expect(parsed.every((p) => p.metadata?.managedFields === undefined)).toBe(true);
    expect(parsed[0]?.spec?.containers[0]?.image).toBe('busybox');
    expect(pods[0]?.metadata?.managedFields).toHaveLength(1);
  });

  it('encodes an empty list as []', () => {
    expect(Buffer.concat(new PodArrayEncoder().encode([])).toString()).toBe('[]');
  });

  it('serialises each pod object once and a replaced object again', () => {
    const encoder = new PodArrayEncoder();
    const a = pod('a', 'u1');
    encoder.encode([a]);
    // Edited in place: the encoder still sends what it serialised (objects are immutable by contract).
    a.metadata!.name = 'edited';
    expect((JSON.parse(Buffer.concat(encoder.encode([a])).toString()) as V1Pod[])[0]?.metadata?.name).toBe(
      'a',
    );
    // A new object (what the watch delivers) is serialised afresh.
    const replaced = { ...a, metadata: { ...a.metadata, name: 'new-copy' } };
    expect(
      (JSON.parse(Buffer.concat(encoder.encode([replaced])).toString()) as V1Pod[])[0]?.metadata?.name,
    ).toBe('new-copy');
  });
});

describe('PodStatusDecoder', () => {
  it('returns the same object for an unchanged answer and a new one when it changes', () => {
    const decoder = new PodStatusDecoder();
    const first = decoder.decode(status('u1', false));
    const again = decoder.decode(status('u1', false));
    expect(first.ok && again.ok).toBe(true);
    if (!first.ok || !again.ok) return;
    expect(again.value).toBe(first.value);
    expect(first.value.initContainers).toEqual([]);
    const changed = decoder.decode(status('u1', true));
    expect(changed.ok).toBe(true);
    if (!changed.ok) return;
    expect(changed.value).not.toBe(first.value);
    expect(changed.value.containers[0]?.state?.running).toBeDefined();
  });

  it('keeps pods apart by UID', () => {
    const decoder = new PodStatusDecoder();
    const one = decoder.decode(status('u1', true));
    const two = decoder.decode(status('u2', true));
    expect(one.ok && two.ok && one.value !== two.value).toBe(true);
    if (!two.ok) return;
    expect(two.value.UID).toBe('u2');
  });

  it('reports malformed answers with the field and does not cache them', () => {
    const decoder = new PodStatusDecoder();
    const bad = decoder.decode({ UID: 'u1', name: 'p', namespace: 'ns', containers: 'nope' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problem).toMatch(/containers/);
    expect(decoder.decode({ UID: 'u1', name: 'p', namespace: 'ns', containers: 'nope' }).ok).toBe(false);
    expect(decoder.decode(null).ok).toBe(false);
  });

  it('forgets the oldest pods beyond its bound', () => {
    const decoder = new PodStatusDecoder(2);
    const first = decoder.decode(status('u1', true));
    decoder.decode(status('u2', true));
    decoder.decode(status('u3', true));
    const again = decoder.decode(status('u1', true));
    expect(first.ok && again.ok).toBe(true);
    if (!first.ok || !again.ok) return;
    expect(again.value).not.toBe(first.value);
    expect(again.value).toEqual(first.value);
  });
});

describe('PodStatusDecoder.decodeAnswer (whole answers)', () => {
  const answer = (running: boolean) =>
    Buffer.from(JSON.stringify([status('u1', running), status('u2', true)]));
  const none = () => undefined;

  it('gives back the same objects for a byte-identical answer and new ones for what changed', () => {
    const decoder = new PodStatusDecoder();
    const problems: string[] = [];
    const first = decoder.decodeAnswer('k', answer(false), (_i, p) => problems.push(p));
    const again = decoder.decodeAnswer('k', answer(false), (_i, p) => problems.push(p));
    expect(again[0]).toBe(first[0]);
    expect(again[1]).toBe(first[1]);
    const changed = decoder.decodeAnswer('k', answer(true), (_i, p) => problems.push(p));
    expect(changed[0]).not.toBe(first[0]);
    expect(changed[0]?.containers[0]?.state?.running).toBeDefined();
    // u2 did not change: the element memory keeps its object across different answers.
    expect(changed[1]).toBe(first[1]);
    expect(problems).toEqual([]);
  });

  it('reports malformed elements every time and keeps the others', () => {
    const decoder = new PodStatusDecoder();
    const bytes = Buffer.from(JSON.stringify([status('u1', true), { UID: 'u3', containers: 'nope' }]));
    for (let round = 0; round < 2; round++) {
      const problems: number[] = [];
      const out = decoder.decodeAnswer('k', bytes, (i) => problems.push(i));
      expect(out.map((s) => s.UID)).toEqual(['u1']);
      expect(problems).toEqual([1]);
    }
  });

  it('reads null as no statuses and refuses what is not a JSON array', () => {
    const decoder = new PodStatusDecoder();
    expect(decoder.decodeAnswer('k', Buffer.from('null'), none)).toEqual([]);
    expect(() => decoder.decodeAnswer('k', Buffer.from('{"UID":"u1"}'), none)).toThrow(
      /must be an array or null/,
    );
    expect(() => decoder.decodeAnswer('k', Buffer.from('[{'), none)).toThrow(/not valid JSON/);
    expect(() => decoder.decodeAnswer('k', Buffer.alloc(0), none)).toThrow(/empty body/);
  });

  it('remembers the last answer of a bounded number of requests', () => {
    const decoder = new PodStatusDecoder(50_000, 1);
    const a = decoder.decodeAnswer('a', answer(false), none);
    decoder.decodeAnswer('b', answer(true), none);
    const again = decoder.decodeAnswer('a', answer(false), none);
    expect(again).not.toBe(a);
    expect(again).toEqual(a);
    expect(decoder.decodeAnswer('a', answer(false), none)).toBe(again);
  });
});
