import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeCreate, makePod } from '../fixtures';
import {
  ctx,
  logsOf,
  requireSlurm,
  scontrolJob,
  startSidecar,
  waitTerminated,
  type TestSidecar,
} from './harness';

// Real Slurm on a shared 2-core machine: allow for a busy scheduler.
vi.setConfig({ testTimeout: 180_000 });

let sc: TestSidecar;
beforeAll(async () => {
  await requireSlurm();
  sc = await startSidecar({ EnablePreExec: true, CommandPrefix: 'export SITE_PREFIX="site $((1+1))"' });
});
afterAll(async () => sc?.cleanup());

const sh = (name: string, script: string) => ({ name, image: 'none', command: ['/bin/sh', '-c', script] });

describe('job-level shell: CommandPrefix, pre-exec, pod IP, relay job scripts (real Slurm)', () => {
  it('CommandPrefix and an enabled pre-exec run before the containers, in the job shell', async () => {
    const pod = makePod({
      name: 'prefixed',
      annotations: {
        'slurm-job.vk.io/pre-exec':
          'export FROM_PRE_EXEC=yes\ncat > "$JOB_DIR/pre-exec-file" <<EOF\nheredoc works\nEOF',
        'interlink.eu/pod-ip': '10.1.2.3',
      },
      containers: [sh('main', 'echo "$SITE_PREFIX|$FROM_PRE_EXEC|$POD_IP"')],
      spec: {},
    });
    await sc.backend.create(makeCreate(pod), ctx());
    const s = await waitTerminated(sc.backend, pod);
    expect(s.containers[0]?.state?.terminated?.exitCode).toBe(0);
    expect(await logsOf(sc.backend, pod, 'main')).toBe('site 2|yes|10.1.2.3\n');
    const dir = sc.backend.store.dirOf('default', pod.metadata!.uid!);
    expect(readFileSync(join(dir, 'pre-exec-file'), 'utf8')).toBe('heredoc works\n');
  });

  it("upstream's mesh heredoc in pre-exec becomes <job dir>/mesh.sh (0774), run before the containers", async () => {
    const mesh = ['#!/bin/bash', 'echo "mesh $((6*7)) `echo up`" > "$JOB_DIR/mesh-ran"'];
    const pod = makePod({
      name: 'meshed',
      annotations: {
        'slurm-job.vk.io/pre-exec': [
          'unset TMPDIR',
          "cat <<'EOFMESH' > $TMPDIR/mesh.sh",
          ...mesh,
          'EOFMESH',
          'export AFTER_MESH=yes',
        ].join('\n'),
      },
      containers: [sh('main', 'cat "$JOB_DIR/mesh-ran"; echo "$AFTER_MESH"')],
      spec: {},
    });
    await sc.backend.create(makeCreate(pod), ctx());
    const s = await waitTerminated(sc.backend, pod);
    expect(s.containers[0]?.state?.terminated?.exitCode).toBe(0);
    expect(await logsOf(sc.backend, pod, 'main')).toBe('mesh 42 up\nyes\n');
    const dir = sc.backend.store.dirOf('default', pod.metadata!.uid!);
    expect(readFileSync(join(dir, 'mesh.sh'), 'utf8')).toBe(`${mesh.join('\n')}\n`);
    expect(statSync(join(dir, 'mesh.sh')).mode & 0o777).toBe(0o774);
    const script = readFileSync(join(dir, 'job.slurm'), 'utf8');
    expect(script).not.toContain('EOFMESH');
    expect(script).toContain('"$JOB_DIR/mesh.sh"');
  });

  it('runAsUser becomes the job user (sbatch --uid) and owns the job directory', async () => {
    const pod = makePod({
      name: 'as-nobody',
      spec: { securityContext: { runAsUser: 65534 } },
      containers: [sh('main', 'id -u; touch "$PWD/written-by-job"')],
    });
    const { PodJID } = await sc.backend.create(makeCreate(pod), ctx());
    const s = await waitTerminated(sc.backend, pod);
    expect(s.containers[0]?.state?.terminated?.exitCode).toBe(0);
    expect(await logsOf(sc.backend, pod, 'main')).toBe('65534\n');
    expect(scontrolJob(PodJID).get('UserId')).toMatch(/^nobody\(65534\)$/);
    const dir = sc.backend.store.dirOf('default', pod.metadata!.uid!);
    expect(statSync(dir).uid).toBe(65534);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    await sc.backend.delete(pod, ctx());
  });

  it('a job script from the relay runs instead of the containers and stands for all of them', async () => {
    const pod = makePod({
      name: 'custom',
      initContainers: [sh('prep', 'true')],
      containers: [sh('a', 'true'), sh('b', 'true')],
    });
    const data = {
      ...makeCreate(pod),
      jobScript: '#!/bin/bash\necho "custom script in job $SLURM_JOB_ID"\nexit 4\n',
    };
    const { PodJID } = await sc.backend.create(data, ctx());
    const s = await waitTerminated(sc.backend, pod);
    expect(s.initContainers[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(s.containers.map((c) => c.state?.terminated?.exitCode)).toEqual([4, 4]);
    expect(await logsOf(sc.backend, pod, 'b')).toBe(`custom script in job ${PodJID}\n`);
  });
});
