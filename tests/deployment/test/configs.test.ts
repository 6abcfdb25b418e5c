import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
// The example configs must document each app's whole schema: read the schemas themselves.
// eslint-disable-next-line @nx/enforce-module-boundaries -- documentation check of an app's config schema
import {
  CONFIG_PATH_ENV as RELAY_CONFIG_PATH_ENV,
  RELAY_ENV_VARS,
  RelayConfigSchema,
} from '../../../apps/interlink/src/config/RelayConfigSchema';
// eslint-disable-next-line @nx/enforce-module-boundaries -- documentation check of an app's config schema
import {
  SIDECAR_ENV_VARS,
  SidecarConfigSchema,
} from '../../../apps/docker-sidecar/src/config/sidecar-config';
// eslint-disable-next-line @nx/enforce-module-boundaries -- documentation check of an app's config schema
import {
  CONFIG_ENV_VARS as SLURM_ENV_VARS,
  CONFIG_PATH_ENV as SLURM_CONFIG_PATH_ENV,
  SlurmSidecarConfigSchema,
} from '../../../apps/slurm-sidecar/src/config/sidecar-config';
// eslint-disable-next-line @nx/enforce-module-boundaries -- documentation check of an app's config schema
import { VK_ENV, VkConfigSchema } from '../../../apps/virtual-kubelet/src/config/vk-config';
import { envReads } from './support/env-reads';
import { repoRoot, run } from '@interlink/testbench';

/** Every key path of a TypeBox object schema (`A.B.C`; `*` for the entries of a record). */
function keyPaths(schema: TSchema, prefix: string[] = []): string[][] {
  const s = schema as {
    properties?: Record<string, TSchema>;
    patternProperties?: Record<string, TSchema>;
    anyOf?: TSchema[];
  };
  const out: string[][] = [];
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    const path = [...prefix, key];
    out.push(path);
    out.push(...keyPaths(child, path));
  }
  for (const child of Object.values(s.patternProperties ?? {}))
    out.push(...keyPaths(child, [...prefix, '*']));
  return out;
}

/** Keys documented in a YAML file: active (`Key:`) or commented (`# Key:`), with their line numbers. */
function documentedKeys(text: string): Array<{ key: string; line: number }> {
  return text.split('\n').flatMap((line, i) => {
    const m = /^\s*(?:#\s*)?(?:-\s+)?([A-Za-z_][A-Za-z0-9_]*):(?:\s|$)/.exec(line);
    return m ? [{ key: m[1]!, line: i }] : [];
  });
}

/** Each segment of the path appears as a key, in order (a nested key after its parent). */
function isDocumented(path: string[], keys: Array<{ key: string; line: number }>): boolean {
  let after = -1;
  for (const seg of path) {
    if (seg === '*') continue;
    const hit = keys.find((k) => k.key === seg && k.line > after);
    if (!hit) return false;
    after = hit.line;
  }
  return true;
}

/** Libraries the apps run (the test helpers in libs/testbench are not part of any app). */
const appLibs = [
  'config',
  'http-kit',
  'interlink-api',
  'kube-quantity',
  'logging',
  'plugin-server',
  'relay-client',
].map((l) => join(repoRoot, 'libs', l, 'src'));
/** Every environment variable an app reads: literal reads in its code and its libraries, plus its name tables. */
const envOf = (app: string, tables: string[]): string[] =>
  [...new Set([...envReads([join(repoRoot, 'apps', app, 'src'), ...appLibs]), ...tables])]
    .filter((name) => name !== 'PATH')
    .sort();

const examples = [
  { app: 'interlink', file: 'config/interlink/InterLinkConfig.yaml', schema: RelayConfigSchema },
  { app: 'docker-sidecar', file: 'config/docker-sidecar/InterLinkConfig.yaml', schema: SidecarConfigSchema },
  { app: 'slurm-sidecar', file: 'config/slurm-sidecar/SlurmConfig.yaml', schema: SlurmSidecarConfigSchema },
  { app: 'virtual-kubelet', file: 'config/virtual-kubelet/InterLinkConfig.yaml', schema: VkConfigSchema },
];

async function checkConfig(
  app: string,
  file: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string }> {
  const main = join(repoRoot, 'dist/apps', app, 'main.js');
  const args =
    app === 'virtual-kubelet'
      ? [main, '--configpath', join(repoRoot, file), '--check-config']
      : [main, '--config', join(repoRoot, file), '--check-config'];
  const r = await run('node', args, {
    env: app === 'virtual-kubelet' ? { NODENAME: 'config-check', ...env } : env,
    timeoutMs: 30_000,
  });
  return { code: r.code, out: r.stdout + r.stderr };
}

describe('example configs in config/', () => {
  it.each(examples)('$file lists every option of $app', ({ file, schema }) => {
    const keys = documentedKeys(readFileSync(join(repoRoot, file), 'utf8'));
    const missing = keyPaths(schema)
      .filter((p) => !isDocumented(p, keys))
      .map((p) => p.join('.'));
    expect(missing).toEqual([]);
  });

  it.each([
    {
      app: 'interlink',
      file: 'config/interlink/InterLinkConfig.yaml',
      tables: [...Object.keys(RELAY_ENV_VARS), RELAY_CONFIG_PATH_ENV],
    },
    {
      app: 'docker-sidecar',
      file: 'config/docker-sidecar/InterLinkConfig.yaml',
      tables: Object.keys(SIDECAR_ENV_VARS),
    },
    {
      app: 'slurm-sidecar',
      file: 'config/slurm-sidecar/SlurmConfig.yaml',
      tables: [...Object.keys(SLURM_ENV_VARS), SLURM_CONFIG_PATH_ENV],
    },
    {
      app: 'virtual-kubelet',
      file: 'config/virtual-kubelet/InterLinkConfig.yaml',
      tables: Object.keys(VK_ENV),
    },
  ])('$file names every environment variable $app reads', ({ app, file, tables }) => {
    const text = readFileSync(join(repoRoot, file), 'utf8');
    const vars = envOf(app, tables);
    // Every app reads LOG_LEVEL (libs/logging) and the variables of its own tables.
    expect(vars).toEqual(expect.arrayContaining(['LOG_LEVEL', ...tables]));
    expect(vars.filter((name) => !new RegExp(`\\b${name}\\b`).test(text))).toEqual([]);
  });

  it('the environment scan finds literal reads in code only, not in comments', () => {
    const relay = envOf('interlink', []);
    expect(relay).toEqual(expect.arrayContaining(['ENABLE_PPROF', 'ENABLE_TRACING', 'LOG_LEVEL']));
    expect(envOf('virtual-kubelet', [])).toEqual(
      expect.arrayContaining([
        'NODENAME',
        'KUBECONFIG',
        'KUBELET_PORT',
        'KUBELET_URL',
        'POD_IP',
        'CONFIGPATH',
      ]),
    );
    expect(envOf('docker-sidecar', [])).toEqual(
      expect.arrayContaining(['DOCKER_HOST', 'INTERLINKCONFIGPATH']),
    );
    // libs/config mentions process.env.INTERLINKCONFIGPATH in a doc comment only.
    expect(envOf('virtual-kubelet', [])).not.toContain('INTERLINKCONFIGPATH');
  });

  it.each(examples)('$file is accepted by $app --check-config', async ({ app, file }) => {
    const r = await checkConfig(app, file);
    expect(r.out).not.toMatch(/config key|unknown configuration keys/);
    expect(r.code).toBe(0);
  });

  it('the Slurm relay variant (SIDECARURL) and the second virtual kubelet config are accepted', async () => {
    const relay = await checkConfig('interlink', 'config/interlink/InterLinkConfig.yaml', {
      SIDECARURL: 'http://slurm-sidecar',
    });
    expect(relay.code).toBe(0);
    expect(relay.out).toContain('http://slurm-sidecar:4000');
    const vk = await checkConfig('virtual-kubelet', 'config/virtual-kubelet/InterLinkConfig-slurm.yaml');
    expect(vk.code).toBe(0);
    expect(vk.out).toContain('"InterlinkPort": "3001"');
  });

  it('a wrong value is refused with the key named (the check is not a no-op)', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/config-check-');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      readFileSync(join(repoRoot, 'config/interlink/InterLinkConfig.yaml'), 'utf8').replace(
        'StatusBatchSize: 500',
        'StatusBatchSize: 0',
      ),
    );
    const r = await run('node', [
      join(repoRoot, 'dist/apps/interlink/main.js'),
      '--config',
      bad,
      '--check-config',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('StatusBatchSize');
  });
});

describe('configs inside kustomizations/ are accepted by their apps', () => {
  it.each([
    { app: 'virtual-kubelet', file: 'kustomizations/base/config/InterLinkConfig.yaml' },
    { app: 'virtual-kubelet', file: 'kustomizations/overlays/remote/InterLinkConfig.yaml' },
    { app: 'virtual-kubelet', file: 'kustomizations/overlays/all-in-one/virtual-kubelet.yaml' },
    { app: 'interlink', file: 'kustomizations/overlays/all-in-one/relay.yaml' },
    { app: 'docker-sidecar', file: 'kustomizations/overlays/all-in-one/docker-sidecar.yaml' },
  ])('$file ($app)', async ({ app, file }) => {
    const r = await checkConfig(app, file);
    expect(r.out).not.toMatch(/config key|unknown configuration keys/);
    expect(r.code).toBe(0);
  });
});
