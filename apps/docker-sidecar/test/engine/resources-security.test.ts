import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  containerOf,
  docker,
  makePod,
  purge,
  startHarness,
  terminated,
  waitForStatus,
  type Harness,
} from './harness';

const CG = '/sys/fs/cgroup';

describe('resources and securityContext', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
    await purge(h);
  });

  async function output(data: ReturnType<typeof makePod>, container = 'main'): Promise<string> {
    const r = await h.create(data);
    expect(r.status, r.body).toBe(200);
    await waitForStatus(h, data, `${container} done`, terminated(container));
    return (await h.logs(data, container)).body;
  }

  it('limits and requests are visible in the container cgroups (exact CPU, memory without swap, shares, reservation)', async () => {
    const data = makePod({
      containers: [
        {
          name: 'main',
          resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '250m', memory: '32Mi' } },
          command: [
            'sh',
            '-c',
            `cat ${CG}/cpu/cpu.cfs_quota_us ${CG}/cpu/cpu.cfs_period_us ${CG}/cpu/cpu.shares ${CG}/memory/memory.limit_in_bytes ${CG}/memory/memory.memsw.limit_in_bytes ${CG}/memory/memory.soft_limit_in_bytes`,
          ],
        },
      ],
    });
    expect((await output(data)).split('\n')).toEqual([
      '50000',
      '100000',
      '256',
      String(64 * 2 ** 20),
      String(64 * 2 ** 20),
      String(32 * 2 ** 20),
      '',
    ]);
  });

  it('a container over its memory limit is OOMKilled with exit code 137', async () => {
    const data = makePod({
      containers: [
        {
          name: 'main',
          resources: { limits: { memory: '16Mi' } },
          command: ['sh', '-c', 'head -c 200m /dev/zero | tail > /dev/null'],
        },
      ],
    });
    await h.createOk(data);
    const s = await waitForStatus(h, data, 'oom', terminated('main'));
    expect(containerOf(s, 'main').state!.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  });

  it('runs as the requested user and groups', async () => {
    const data = makePod({
      securityContext: { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000], fsGroup: 5000 },
      containers: [
        {
          name: 'main',
          command: ['sh', '-c', 'id -u; id -g; id -G | tr " " "\\n" | sort -n | tr "\\n" " "'],
        },
      ],
    });
    expect(await output(data)).toBe('1000\n3000\n3000 4000 5000 ');
  });

  it('container securityContext overrides the pod one; readOnlyRootFilesystem; no-new-privileges', async () => {
    const data = makePod({
      securityContext: { runAsUser: 1000 },
      containers: [
        {
          name: 'main',
          securityContext: { runAsUser: 2000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
          command: [
            'sh',
            '-c',
            'id -u; touch /should-fail 2>/dev/null && echo writable || echo read-only; grep NoNewPrivs /proc/self/status | tr -d "\\t "',
          ],
        },
      ],
    });
    expect(await output(data)).toBe('2000\nread-only\nNoNewPrivs:1\n');
  });

  it('capabilities are added and dropped; privileged only when asked', async () => {
    const caps = 'grep CapEff /proc/self/status | cut -f2';
    const data = makePod({
      containers: [
        { name: 'default', command: ['sh', '-c', caps] },
        {
          name: 'dropped',
          securityContext: { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } },
          command: ['sh', '-c', caps],
        },
        { name: 'privileged', securityContext: { privileged: true }, command: ['sh', '-c', caps] },
      ],
    });
    await h.createOk(data);
    const s = await waitForStatus(h, data, 'all done', (st) =>
      ['default', 'dropped', 'privileged'].every((n) => terminated(n)(st)),
    );
    const eff = async (n: string) => {
      const body = (await h.logs(data, n)).body.trim();
      expect(body, n).toMatch(/^[0-9a-f]{16}$/);
      return BigInt(`0x${body}`);
    };
    expect(await eff('default')).toBe(0xa80425fbn); // Docker's default set, not privileged
    expect(await eff('dropped')).toBe(1n << 10n); // CAP_NET_BIND_SERVICE only
    // The bench engine itself may refuse privileged containers (no CAP_SYS_ADMIN in its VM):
    // then the pod must say so rather than hang. Either way only that container is privileged.
    const privileged = containerOf(s, 'privileged').state!.terminated!;
    if (privileged.reason === 'StartError') expect(privileged.message).toMatch(/caps|permitted/);
    else expect((await eff('privileged')) > 0xa80425fbn).toBe(true);
    const flags = await Promise.all(
      (
        await docker.listContainers({
          all: true,
          filters: { label: [`interlink.pod-uid=${data.pod.metadata!.uid}`, 'interlink.role=app'] },
        })
      ).map(async (c) => {
        const i = await docker.getContainer(c.Id).inspect();
        return [c.Labels['interlink.container'], i.HostConfig.Privileged];
      }),
    );
    expect(Object.fromEntries(flags)).toEqual({ default: false, dropped: false, privileged: true });
  });

  it('runAsNonRoot with an image that runs as root is refused with CreateContainerConfigError', async () => {
    const data = makePod({
      securityContext: { runAsNonRoot: true },
      containers: [{ name: 'main', command: ['true'] }],
    });
    await h.createOk(data);
    const s = await waitForStatus(
      h,
      data,
      'refused',
      (st) => containerOf(st, 'main').state?.waiting?.reason === 'CreateContainerConfigError',
    );
    expect(containerOf(s, 'main').state!.waiting!.message).toMatch(/runAsNonRoot and image will run as root/);
  });
});
