// The four apps' command lines, as an operator meets them: `node dist/apps/<name>/main.js`.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..', '..');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

interface App {
  name: string;
  /** the long config flag shown in --help; the virtual kubelet's is upstream's `-configpath` (it takes `--config` too) */
  configFlag: string;
  configEnv: string;
  example: string;
  env?: Record<string, string>;
}

const apps: App[] = [
  {
    name: 'interlink',
    configFlag: '--config',
    configEnv: 'INTERLINKCONFIGPATH',
    example: 'config/interlink/InterLinkConfig.yaml',
  },
  {
    name: 'docker-sidecar',
    configFlag: '--config',
    configEnv: 'INTERLINKCONFIGPATH',
    example: 'config/docker-sidecar/InterLinkConfig.yaml',
  },
  {
    name: 'slurm-sidecar',
    configFlag: '--config',
    configEnv: 'SLURMCONFIGPATH',
    example: 'config/slurm-sidecar/SlurmConfig.yaml',
  },
  {
    name: 'virtual-kubelet',
    configFlag: '--configpath',
    configEnv: 'CONFIGPATH',
    example: 'config/virtual-kubelet/InterLinkConfig.yaml',
    env: { NODENAME: 'vk-cli-test' },
  },
];

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Asynchronous on purpose: a blocking spawnSync stalls the vitest worker's RPC. */
function exec(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: root, encoding: 'utf8', timeout: 60_000, env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ status: code, stdout, stderr });
    });
  });
}

function run(app: App, args: string[], env: Record<string, string> = {}): Promise<Result> {
  return exec('node', [join(root, 'dist/apps', app.name, 'main.js'), ...args], {
    ...process.env,
    ...app.env,
    ...env,
    KUBECONFIG: '/nonexistent/kubeconfig',
  });
}

describe.each(apps)('$name command line (dist/apps/$name/main.js)', (app) => {
  beforeAll(async () => {
    const build = await exec('node', ['tools/build/build.mjs', `apps/${app.name}`]);
    if (build.status !== 0) throw new Error(`build of ${app.name} failed: ${build.stderr}`);
  }, 120_000);

  it('--help documents the options and exits 0', async () => {
    const r = await run(app, ['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: ${app.name} \\[options\\]`));
    expect(r.stdout).toContain('-v, --version');
    expect(r.stdout).toContain('-h, --help');
    expect(r.stdout).toContain(`-c, ${app.configFlag} <file>`);
    expect(r.stdout).toContain('--check-config');
    expect(r.stdout).toMatch(new RegExp(`Environment variables:[\\s\\S]*${app.configEnv}`));
  });

  it('--version prints the package version', async () => {
    const r = await run(app, ['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it(`${app.configFlag}, --config, -c and ${app.configEnv} select the configuration file`, async () => {
    for (const args of [
      [app.configFlag, app.example],
      ['--config', app.example],
      ['-c', app.example],
    ]) {
      const r = await run(app, [...args, '--check-config']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(app.example);
    }
    const byEnv = await run(app, ['--check-config'], { [app.configEnv]: app.example });
    expect(byEnv.status).toBe(0);
    expect(byEnv.stdout).toContain(app.example);
  });

  it('a missing configuration file is refused with exit code 2, naming the file', async () => {
    const r = await run(app, ['-c', '/nonexistent/cli-test.yaml', '--check-config']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('/nonexistent/cli-test.yaml');
  });

  it('an unknown option is refused with a non-zero exit code', async () => {
    const r = await run(app, ['--no-such-option']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("unknown option '--no-such-option'");
  });
});
