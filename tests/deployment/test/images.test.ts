import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_IMAGES, APP_IMAGES, buildImages, inspectImage, TAG } from './support/images';
import { eventually, repoRoot, run, runOk } from '@interlink/testbench';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string })
  .version;
interface LockEntry {
  version?: string;
  dev?: boolean;
}
const lockPackages = (
  JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  }
).packages;
const devOnly = Object.entries(lockPackages)
  .filter(([, e]) => e.dev)
  .map(([path]) => path.replace(/^.*node_modules\//, ''));

/**
 * Every package installed under /app/node_modules of an image, by its lockfile path
 * (`node_modules/a/node_modules/b`), with the version of its package.json.
 */
const LIST_PACKAGES = `
const fs = require('fs'), path = require('path');
const out = {};
function walk(dir, rel) {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir)) {
    if (e.startsWith('.')) continue;
    const names = e.startsWith('@') ? fs.readdirSync(path.join(dir, e)).map((n) => e + '/' + n) : [e];
    for (const n of names) {
      const key = rel + 'node_modules/' + n;
      try { out[key] = JSON.parse(fs.readFileSync(path.join(dir, n, 'package.json'), 'utf8')).version; }
      catch { out[key] = null; }
      walk(path.join(dir, n, 'node_modules'), key + '/');
    }
  }
}
walk('/app/node_modules', '');
console.log(JSON.stringify(out));`;

async function installedPackages(name: string): Promise<Record<string, string | null>> {
  return JSON.parse(
    await runOk('docker', [
      'run',
      '--rm',
      '--entrypoint',
      'node',
      `interlink/${name}:${TAG}`,
      '-e',
      LIST_PACKAGES,
    ]),
  ) as Record<string, string | null>;
}

describe('images (docker/*/Dockerfile), built offline from the lockfile', () => {
  beforeAll(async () => {
    await buildImages();
  }, 30 * 60_000);

  it('every image exists; sizes', async () => {
    const rows: string[] = [];
    for (const name of ALL_IMAGES) {
      const info = await inspectImage(name);
      rows.push(`interlink/${name}:${TAG} ${(info.size / 1e6).toFixed(0)} MB`);
      // An app image is the Node base (~195 MB) plus the bundle and its pruned dependencies.
      expect(info.size).toBeLessThan(name === 'slurm' ? 200e6 : 320e6);
    }
    console.log(`image sizes:\n  ${rows.join('\n  ')}`);
  });

  it.each(APP_IMAGES)(
    '%s: HEALTHCHECK; node_modules exactly as package-lock.json pins them, no dev dependency; --version answers',
    async (name) => {
      const info = await inspectImage(name);
      expect(info.healthcheck?.Test.join(' ')).toContain('/app/healthcheck.mjs');
      const installed = await installedPackages(name);
      expect(Object.keys(installed).length).toBeGreaterThan(0);
      const problems = Object.entries(installed).flatMap(([path, version]) => {
        const lock = lockPackages[path];
        if (!lock) return [`${path}@${version}: not in package-lock.json`];
        if (lock.dev) return [`${path}: a dev dependency`];
        if (lock.version !== version) return [`${path}@${version}: the lockfile pins ${lock.version}`];
        return [];
      });
      expect(problems).toEqual([]);
      const out = await runOk('docker', ['run', '--rm', `interlink/${name}:${TAG}`, '--version'], {
        timeoutMs: 60_000,
      });
      expect(out.trim()).toBe(version);
    },
  );

  it('the lockfile check sees dev dependencies (they are in the lockfile, flagged dev)', () => {
    for (const dev of ['typescript', 'vitest', 'esbuild', 'nx', 'eslint', '@nx/js', '@types/express'])
      expect(devOnly, dev).toContain(dev);
  });

  it.each([...ALL_IMAGES])(
    '%s: multi-stage Dockerfile FROM the public base tag; the image is built on the local image of that tag',
    async (name) => {
      const dockerfile = readFileSync(join(repoRoot, 'docker', name, 'Dockerfile'), 'utf8');
      const base = name === 'slurm' ? 'debian:bookworm-slim' : 'node:20-bookworm-slim';
      const arg = name === 'slurm' ? 'DEBIAN_IMAGE' : 'NODE_IMAGE';
      expect(dockerfile).toMatch(new RegExp(`^ARG ${arg}=${base.replace('.', '\\.')}$`, 'm'));
      const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
      expect(new Set(froms)).toEqual(new Set([`\${${arg}}`]));
      if (name !== 'slurm') expect(froms).toHaveLength(3); // build, deps, runtime
      expect(dockerfile).toMatch(/^HEALTHCHECK /m);
      const layers = async (image: string) =>
        JSON.parse(
          await runOk('docker', ['image', 'inspect', '-f', '{{json .RootFS.Layers}}', image]),
        ) as string[];
      const baseLayers = await layers(base);
      expect((await layers(`interlink/${name}:${TAG}`)).slice(0, baseLayers.length)).toEqual(baseLayers);
    },
  );

  it('node_modules are pruned to what each bundle imports', async () => {
    const ls = async (name: string) =>
      (
        await runOk('docker', [
          'run',
          '--rm',
          '--entrypoint',
          'sh',
          `interlink/${name}:${TAG}`,
          '-c',
          'ls /app/node_modules /app/node_modules/@*',
        ])
      ).split(/\s+/);
    const relay = await ls('interlink');
    expect(relay).toContain('jose');
    expect(relay).not.toContain('dockerode');
    expect(relay).not.toContain('client-node');
    expect(await ls('docker-sidecar')).toContain('dockerode');
    expect(await ls('virtual-kubelet')).toContain('client-node');
  });

  it.each(['interlink', 'slurm-sidecar', 'virtual-kubelet'])(
    '%s runs as the unprivileged node user',
    async (name) => {
      expect((await inspectImage(name)).user).toBe('node');
    },
  );

  describe('docker-sidecar drops to uid 1000 with the Docker socket group', () => {
    const container = `deploy-test-docker-sidecar-${process.pid}`;
    const data = `/tmp/deploy-test-docker-sidecar-${process.pid}`;
    afterAll(async () => {
      await run('docker', ['rm', '-f', container]);
      rmSync(data, { recursive: true, force: true });
    });

    it('starts healthy as uid 1000, member of the socket gid, and reaches the engine', async () => {
      const socketGid = (await runOk('stat', ['-c', '%g', '/var/run/docker.sock'])).trim();
      await runOk('docker', [
        'run',
        '-d',
        '--name',
        container,
        '-v',
        '/var/run/docker.sock:/var/run/docker.sock',
        '-v',
        `${data}:${data}`,
        '-e',
        `DATAROOTFOLDER=${data}`,
        '-e',
        'SIDECARPORT=4000',
        `interlink/docker-sidecar:${TAG}`,
      ]);
      await eventually(
        'the docker-sidecar container to be healthy',
        async () =>
          (await runOk('docker', ['inspect', '-f', '{{.State.Health.Status}}', container])).trim() ===
          'healthy'
            ? true
            : undefined,
        90_000,
      );
      const status = await runOk('docker', ['exec', container, 'cat', '/proc/1/status']);
      expect(status).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
      expect(
        status
          .match(/^Groups:(.*)$/m)?.[1]
          ?.trim()
          .split(/\s+/),
      ).toContain(socketGid);
      // The plugin answers the relay's ping (GET /status with []), its backend listing containers.
      const script =
        "const r=require('http').request({host:'127.0.0.1',port:4000,path:'/status',method:'GET',headers:{'content-type':'application/json','content-length':2}}," +
        "(res)=>{let b='';res.on('data',(d)=>b+=d);res.on('end',()=>console.log(res.statusCode,b))});r.end('[]')";
      const ping = await runOk('docker', ['exec', container, 'node', '-e', script]);
      expect(ping).toMatch(/^200 /);
      expect(JSON.parse(ping.slice(4)) as { resources?: { cpu?: string } }).toHaveProperty('resources.cpu');
    }, 120_000);
  });
});
