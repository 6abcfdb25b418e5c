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
    const parsed = JSON.parse(new PodArrayEncoder().encode(pods)) as V1Pod[];
    expect(parsed.map((p) => p.metadata?.name)).toEqual(['a', 'b']);
    expect(parsed.every((p) => p.metadata?.managedFields === undefined)).toBe(true);
    expect(parsed[0]?.spec?.containers[0]?.image).toBe('busybox');
    expect(pods[0]?.metadata?.managedFields).toHaveLength(1);
  });

  it('encodes an empty list as []', () => {
    expect(new PodArrayEncoder().encode([])).toBe('[]');
  });

  it('serialises each pod object once and a replaced object again', () => {
    const encoder = new PodArrayEncoder();
    const a = pod('a', 'u1');
    encoder.encode([a]);
    // Edited in place: the encoder still sends what it serialised (objects are immutable by contract).
    a.metadata!.name = 'edited';
    expect((JSON.parse(encoder.encode([a])) as V1Pod[])[0]?.metadata?.name).toBe('a');
    // A new object (what the watch delivers) is serialised afresh.
    const replaced = { ...a, metadata: { ...a.metadata, name: 'new-copy' } };
    expect((JSON.parse(encoder.encode([replaced])) as V1Pod[])[0]?.metadata?.name).toBe('new-copy');
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
