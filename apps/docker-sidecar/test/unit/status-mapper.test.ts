import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import type { V1Pod } from '@kubernetes/client-node';
import { groupByPod, exitCodeFromStatus } from '../../src/docker/container-inventory';
import { InspectCache } from '../../src/docker/inspect-cache';
import { PodRuntime } from '../../src/docker/pod-runtime';
import { DockerStatusMapper } from '../../src/status/docker-status-mapper';

const UID = '3b1f6a52-0d84-4c57-9e3a-7a2c1d9e4b10';

interface FakeState {
  Status: string;
  ExitCode?: number;
  OOMKilled?: boolean;
  Error?: string;
  StartedAt?: string;
  FinishedAt?: string;
}

/** A Docker stand-in answering inspect from a table and counting calls. */
function fakeDocker(states: Record<string, FakeState>): { docker: Docker; inspects: () => number } {
  let n = 0;
  const docker = {
    getContainer: (id: string) => ({
      inspect: async () => {
        n++;
        const s = states[id];
        if (!s) throw Object.assign(new Error('no such container'), { statusCode: 404 });
        return {
          Id: id,
          State: {
            ExitCode: 0,
            OOMKilled: false,
            Error: '',
            StartedAt: '0001-01-01T00:00:00Z',
            FinishedAt: '0001-01-01T00:00:00Z',
            ...s,
          },
        };
      },
    }),
  } as unknown as Docker;
  return { docker, inspects: () => n };
}

function info(
  id: string,
  container: string,
  role: string,
  state: string,
  attempt = 0,
  status = '',
): Docker.ContainerInfo {
  return {
    Id: id,
    State: state,
    Status: status,
    Image: 'busybox',
    ImageID: 'sha256:img',
    Labels: {
      'interlink.pod-uid': UID,
      'interlink.pod-namespace': 'ns',
      'interlink.pod-name': 'web',
      'interlink.container': container,
      'interlink.role': role,
      'interlink.attempt': String(attempt),
    },
  } as unknown as Docker.ContainerInfo;
}

const pod: V1Pod = {
  metadata: { name: 'web', namespace: 'ns', uid: UID },
  spec: {
    initContainers: [
      { name: 'setup', image: 'busybox' },
      { name: 'migrate', image: 'busybox' },
    ],
    containers: [
      { name: 'app', image: 'busybox' },
      { name: 'side', image: 'busybox' },
    ],
  },
};

describe('DockerStatusMapper', () => {
  it('maps a pod mid-init: done, running, not yet started; apps wait with PodInitializing', async () => {
    const { docker } = fakeDocker({
      s1: {
        Status: 'exited',
        ExitCode: 0,
        StartedAt: '2026-03-02T10:00:01.5Z',
        FinishedAt: '2026-03-02T10:00:02.7Z',
      },
      m1: { Status: 'running', StartedAt: '2026-03-02T10:00:03.123456789Z' },
    });
    const pc = groupByPod([
      info('sb', '', 'sandbox', 'running'),
      info('s1', 'setup', 'init', 'exited'),
      info('m1', 'migrate', 'init', 'running'),
    ]).get(UID);
    const status = await new DockerStatusMapper(new InspectCache(docker)).podStatus(pod, undefined, pc);
    expect(status).toMatchObject({ name: 'web', UID, namespace: 'ns', JID: `il_POD_web_ns_${UID}` });
    expect(status!.initContainers.map((c) => c.state)).toEqual([
      {
        terminated: {
          exitCode: 0,
          reason: 'Completed',
          startedAt: '2026-03-02T10:00:01Z',
          finishedAt: '2026-03-02T10:00:02Z',
          containerID: 'docker://s1',
        },
      },
      { running: { startedAt: '2026-03-02T10:00:03Z' } },
    ]);
    expect(status!.containers.map((c) => c.state)).toEqual([
      { waiting: { reason: 'PodInitializing' } },
      { waiting: { reason: 'PodInitializing' } },
    ]);
  });

  it('reports exit codes, OOMKilled, restart counts with lastState, CrashLoopBackOff and start errors', async () => {
    const { docker } = fakeDocker({
      s1: { Status: 'exited' },
      m1: { Status: 'exited' },
      a0: {
        Status: 'exited',
        ExitCode: 1,
        StartedAt: '2026-03-02T10:00:00Z',
        FinishedAt: '2026-03-02T10:00:05Z',
      },
      a1: {
        Status: 'exited',
        ExitCode: 137,
        OOMKilled: true,
        StartedAt: '2026-03-02T10:00:06Z',
        FinishedAt: '2026-03-02T10:00:09Z',
      },
      x0: { Status: 'created', ExitCode: 127, Error: 'exec: "nope": executable file not found' },
    });
    const pc = groupByPod([
      info('sb', '', 'sandbox', 'running'),
      info('s1', 'setup', 'init', 'exited'),
      info('m1', 'migrate', 'init', 'exited'),
      info('a1', 'app', 'app', 'exited', 1),
      info('a0', 'app', 'app', 'exited', 0),
      info('x0', 'side', 'app', 'created'),
    ]).get(UID);
    const rt = new PodRuntime(
      { namespace: 'ns', podName: 'web', uid: UID },
      undefined,
      { volumes: new Map() },
      '/d',
      'sb',
    );
    rt.startFailed.set('x0', Date.now());
    const mapper = new DockerStatusMapper(new InspectCache(docker));
    let status = await mapper.podStatus(pod, rt, pc);
    const [app, side] = status!.containers;
    expect(app).toMatchObject({
      restartCount: 1,
      ready: false,
      containerID: 'docker://a1',
      imageID: 'sha256:img',
    });
    expect(app!.state).toEqual({
      terminated: {
        exitCode: 137,
        reason: 'OOMKilled',
        startedAt: '2026-03-02T10:00:06Z',
        finishedAt: '2026-03-02T10:00:09Z',
        containerID: 'docker://a1',
      },
    });
    expect(app!.lastState).toEqual({
      terminated: {
        exitCode: 1,
        reason: 'Error',
        startedAt: '2026-03-02T10:00:00Z',
        finishedAt: '2026-03-02T10:00:05Z',
        containerID: 'docker://a0',
      },
    });
    expect(side!.state?.terminated).toMatchObject({
      exitCode: 127,
      reason: 'StartError',
      message: 'exec: "nope": executable file not found',
    });

    rt.crashLoop.set('app', {
      dueAt: Date.now() + 10_000,
      message: 'back-off 20s restarting failed container=app',
    });
    status = await mapper.podStatus(pod, rt, pc);
    expect(status!.containers[0]!.state).toEqual({
      waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=app' },
    });
    expect(status!.containers[0]!.lastState?.terminated?.reason).toBe('OOMKilled');
  });

  it('shows pull and config problems as waiting reasons', async () => {
    const { docker } = fakeDocker({});
    const simple: V1Pod = {
      metadata: { name: 'web', namespace: 'ns', uid: UID },
      spec: { containers: [{ name: 'app', image: 'nope:1' }] },
    };
    const pc = groupByPod([info('sb', '', 'sandbox', 'running')]).get(UID);
    const rt = new PodRuntime(
      { namespace: 'ns', podName: 'web', uid: UID },
      undefined,
      { volumes: new Map() },
      '/d',
      'sb',
    );
    rt.waiting.set('app', { reason: 'ErrImagePull', message: 'Failed to pull image "nope:1": not found' });
    const status = await new DockerStatusMapper(new InspectCache(docker)).podStatus(simple, rt, pc);
    expect(status!.containers[0]!.state).toEqual({
      waiting: { reason: 'ErrImagePull', message: 'Failed to pull image "nope:1": not found' },
    });
  });

  it('leaves out a pod it never created, and reports a created pod whose containers vanished', async () => {
    const { docker } = fakeDocker({});
    const mapper = new DockerStatusMapper(new InspectCache(docker));
    expect(await mapper.podStatus(pod, undefined, undefined)).toBeUndefined();
    const ref = { namespace: 'ns', podName: 'web', uid: UID };
    const pending = new PodRuntime(ref, undefined, { volumes: new Map() }, '/d', '');
    // Sandbox-less and never launched: still pulling, so waiting rather than lost.
    expect((await mapper.podStatus(pod, pending, undefined))!.containers[0]!.state!.waiting).toBeDefined();
    const rt = new PodRuntime(ref, undefined, { volumes: new Map() }, '/d', 'sb');
    const status = await mapper.podStatus(pod, rt, undefined);
    expect(status!.containers[0]!.state!.terminated!.message).toMatch(/removed outside interLink/);
    expect(status!.containers.map((c) => c.state?.terminated?.reason)).toEqual([
      'ContainerStatusUnknown',
      'ContainerStatusUnknown',
    ]);
    expect(status!.initContainers).toHaveLength(2);
    expect(await mapper.podStatus({ metadata: { name: 'x', uid: UID } }, rt, undefined)).toBeUndefined();
  });

  it('does not call a pod vanished from a container list sent before its containers existed', async () => {
    // A burst: the status poll's list call is sent, then a create makes the sandbox (or launches a
    // container) and registers the pod before the list answers without it.
    const { docker } = fakeDocker({});
    const mapper = new DockerStatusMapper(new InspectCache(docker));
    const ref = { namespace: 'ns', podName: 'web', uid: UID };
    const listSentAt = performance.now();
    const withSandbox = new PodRuntime(ref, undefined, { volumes: new Map() }, '/d', 'sb');
    const early = await mapper.podStatus(pod, withSandbox, undefined, listSentAt);
    expect(early!.containers.map((c) => c.state?.waiting?.reason)).toEqual([
      'PodInitializing',
      'PodInitializing',
    ]);
    const sandboxLess = new PodRuntime(ref, undefined, { volumes: new Map() }, '/d', '');
    const beforeLaunch = performance.now();
    sandboxLess.noteLaunched('init-a');
    expect(
      (await mapper.podStatus(pod, sandboxLess, undefined, beforeLaunch))!.containers[0]!.state!.terminated,
    ).toBeUndefined();
    // A list sent after the launch that still lacks the container does prove it gone.
    const later = await mapper.podStatus(pod, sandboxLess, undefined, performance.now() + 1);
    expect(later!.containers[0]!.state!.terminated!.reason).toBe('ContainerStatusUnknown');
  });

  it('inspects a container once per state and serves steady pods from the cache', async () => {
    const { docker, inspects } = fakeDocker({ r: { Status: 'running', StartedAt: '2026-03-02T10:00:00Z' } });
    const cache = new InspectCache(docker);
    const mapper = new DockerStatusMapper(cache);
    const simple: V1Pod = {
      metadata: { name: 'web', namespace: 'ns', uid: UID },
      spec: { containers: [{ name: 'app', image: 'busybox' }] },
    };
    const pc = groupByPod([info('sb', '', 'sandbox', 'running'), info('r', 'app', 'app', 'running')]).get(
      UID,
    );
    for (let i = 0; i < 5; i++) await mapper.podStatus(simple, undefined, pc);
    expect(inspects()).toBe(1);
    cache.prune(new Set());
    expect(cache.size).toBe(0);
  });

  it('reads exit codes from list status text', () => {
    expect(exitCodeFromStatus('Exited (137) 2 minutes ago')).toBe(137);
    expect(exitCodeFromStatus('Up 3 seconds')).toBeUndefined();
  });
});
