import { describe, expect, it } from 'vitest';
import { RelayError } from '@interlink/relay-client';
import { testConfig } from '../../test/support/test-config';
import { SettingsError } from '../config/runtime-settings';
import { VirtualNodeState } from './virtual-node-state';

const id = { nodeName: 'vk-1', podIP: '10.0.0.7', kubeletPort: 10250, version: '0.1.0' };
const T0 = Date.parse('2026-03-02T10:00:00Z');
const ok = (body: string) => ({ body, sessionId: 'PingInterLink#1', response: JSON.parse(body) });
const down = new RelayError('PingInterLink', 'unreachable', 'http://relay:3000 unreachable (ECONNREFUSED)', 's');

describe('VirtualNodeState', () => {
  it('builds upstream labels, the opt-in taint first, and capacity from config', () => {
    const cfg = testConfig({
      NodeLabels: ['site=cern', 'tier = hpc'],
      NodeTaints: [{ Key: 'hpc', Value: 'yes', Effect: 'NoExecute' }, { Key: 'odd', Value: '', Effect: 'Sometimes' }],
      Resources: { CPU: '64', Memory: '256Gi', Pods: '500', Accelerators: [{ ResourceType: 'nvidia.com/gpu', Model: 'a100', Available: '4' }, { ResourceType: 'nvidia.com/gpu', Model: 'a100', Available: '2' }, { ResourceType: 'example.com/qpu', Model: '', Available: '1' }] },
    });
    const s = new VirtualNodeState(id, cfg);
    expect(s.labels).toMatchObject({ 'kubernetes.io/os': 'virtual-kubelet', 'kubernetes.io/hostname': 'vk-1', 'kubernetes.io/role': 'agent', 'virtual-node.interlink/type': 'virtual-kubelet', 'nvidia-gpu-type': 'a100', site: 'cern', tier: 'hpc' });
    expect(s.taints()).toEqual([
      { key: 'virtual-node.interlink/no-schedule', value: 'true', effect: 'NoSchedule' },
      { key: 'hpc', value: 'yes', effect: 'NoExecute' },
      { key: 'odd', value: '', effect: 'NoSchedule' },
    ]);
    const node = s.nodeObject(T0);
    expect(node.spec?.providerID).toBe('external:///vk-1');
    expect(node.status?.capacity).toEqual({ cpu: '64', memory: '256Gi', pods: '500', 'nvidia.com/gpu': '6', 'example.com/qpu': '1' });
    expect(node.status?.allocatable).toEqual(node.status?.capacity);
    expect(node.status?.addresses).toEqual([{ type: 'InternalIP', address: '10.0.0.7' }, { type: 'Hostname', address: 'vk-1' }]);
    expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(10250);
    expect(node.status?.nodeInfo?.kubeletVersion).toBe('v0.1.0-interlink');
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'KubeletNotReady' });
    expect(node.status?.conditions?.map((c) => c.type)).toEqual(['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable']);
  });

  it('rejects invalid quantities naming the key', () => {
    expect(() => new VirtualNodeState(id, testConfig({ Resources: { CPU: 'lots' } }))).toThrow(SettingsError);
    expect(() => new VirtualNodeState(id, testConfig({ Resources: { CPU: 'lots' } }))).toThrow('Resources.CPU');
    expect(() => new VirtualNodeState(id, testConfig({ Resources: { Pods: '1.5' } }))).toThrow('Resources.Pods');
  });

  it('becomes Ready on the first successful ping and applies resources and taints', () => {
    const s = new VirtualNodeState(id, testConfig());
    const body = JSON.stringify({ status: 'ok', resources: { cpu: '1536', memory: 'bogus!', pods: '1000', accelerators: [{ resourceType: 'nvidia.com/gpu', available: '64' }, { resourceType: 'bad', available: '-1' }] }, taints: [{ key: 'maint', value: 'x', effect: 'PreferNoSchedule' }, { key: 'virtual-node.interlink/no-schedule', effect: 'NoExecute' }, { key: '' }] });
    const out = s.recordPingSuccess(ok(body));
    expect(out).toEqual({ readyChanged: true, specChanged: true, metaChanged: true, statusChanged: true });
    expect(s.ready).toBe(true);
    expect(s.allocatable()).toEqual({ cpu: '1536', memory: '3000G', pods: '1000', 'nvidia.com/gpu': '64' });
    expect(s.taints().map((t) => t.key)).toEqual(['virtual-node.interlink/no-schedule', 'maint']);
    expect(s.annotations()['interlink.virtual-kubelet.io/ping-response']).toBe(body);
    const conds = s.status([], T0).conditions!;
    expect(conds.find((c) => c.type === 'InterlinkConnectivity')).toMatchObject({ status: 'True', reason: 'InterlinkPingSuccessful', message: `Ping successful with code 200. Response: ${body}` });
    expect(conds.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(conds.find((c) => c.type === 'NetworkUnavailable')?.status).toBe('False');

    // taints absent: unchanged; [] clears.
    s.recordPingSuccess(ok('{"status":"ok"}'));
    expect(s.taints().map((t) => t.key)).toEqual(['virtual-node.interlink/no-schedule', 'maint']);
    s.recordPingSuccess(ok('{"status":"ok","taints":[]}'));
    expect(s.taints().map((t) => t.key)).toEqual(['virtual-node.interlink/no-schedule']);
    expect(s.recordPingSuccess(ok('{"status":"ok","taints":[]}'))).toEqual({ readyChanged: false, specChanged: false, metaChanged: false, statusChanged: false });
  });

  it('goes NotReady only after the failure threshold, with a message naming the cause', () => {
    const s = new VirtualNodeState(id, testConfig({ PingFailureThreshold: 3 }));
    s.recordPingSuccess(ok('null'));
    expect(s.recordPingFailure(down).readyChanged).toBe(false);
    expect(s.ready).toBe(true);
    expect(s.annotations()['interlink.virtual-kubelet.io/ping-response']).toBe('');
    expect(s.status([], T0).conditions!.find((c) => c.type === 'InterlinkConnectivity')).toMatchObject({ status: 'False', reason: 'InterlinkPingFailed' });
    s.recordPingFailure(down);
    const third = s.recordPingFailure(down);
    expect(third.readyChanged).toBe(true);
    expect(s.ready).toBe(false);
    expect(s.readyMessage).toMatch(/^relay unreachable: .*ECONNREFUSED.*\(3 failed pings in a row\)$/);
    expect(s.recordPingSuccess(ok('null')).readyChanged).toBe(true);
  });

  it('stays NotReady at start-up until a ping succeeds', () => {
    const s = new VirtualNodeState(id, testConfig());
    s.recordPingFailure(new RelayError('PingInterLink', 'http', 'x', 's', 401, 'no token'));
    expect(s.ready).toBe(false);
    expect(s.readyMessage).toContain('relay refused authentication (HTTP 401): no token');
    s.recordPingFailure(new RelayError('PingInterLink', 'http', 'x', 's', 500, '503'));
    expect(s.readyMessage).toContain('plugin unreachable behind the relay');
  });

  it('keeps lastTransitionTime until a condition changes', () => {
    const s = new VirtualNodeState(id, testConfig());
    s.recordPingSuccess(ok('null'));
    const first = s.status([], T0).conditions!;
    const second = s.status(first, T0 + 30_000).conditions!;
    const ready = second.find((c) => c.type === 'Ready')!;
    expect(ready.lastTransitionTime).toBe('2026-03-02T10:00:00Z');
    expect(ready.lastHeartbeatTime).toBe('2026-03-02T10:00:30Z');
  });
});
