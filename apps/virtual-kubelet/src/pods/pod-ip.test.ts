import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { invalidPodIPMessage, isPlainIP, podIPAnnotation, podIPOf } from './pod-ip';

const annotated = (value?: string): V1Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u', ...(value === undefined ? {} : { annotations: { 'interlink.eu/pod-ip': value } }) },
});

describe('interlink.eu/pod-ip annotation (issue 15)', () => {
  it.each(['10.1.2.3', '192.168.0.1', '::1', 'fd00::12', '2001:db8::1'])('accepts the address %s', (ip) => {
    expect(isPlainIP(ip)).toBe(true);
    expect(podIPAnnotation(annotated(ip))).toEqual({ ip });
    expect(podIPOf(annotated(ip))).toBe(ip);
  });

  it.each(['pending', '10.1.2', '10.1.2.3/24', ' 10.1.2.3', '10.1.2.3 ', 'fe80::1%eth0', '300.1.1.1', 'example.org', '10.1.2.3,10.1.2.4'])(
    'rejects %j',
    (value) => {
      expect(isPlainIP(value)).toBe(false);
      expect(podIPAnnotation(annotated(value))).toEqual({ invalid: value });
      expect(podIPOf(annotated(value))).toBeUndefined();
    },
  );

  it('treats a missing or empty annotation as no address', () => {
    expect(podIPAnnotation(annotated())).toEqual({});
    expect(podIPAnnotation(annotated(''))).toEqual({});
  });

  it('names the annotation and the value in the warning', () => {
    expect(invalidPodIPMessage('pending')).toBe(
      'annotation interlink.eu/pod-ip is "pending", which is not an IPv4 or IPv6 address; status.podIP is left unset',
    );
  });
});
