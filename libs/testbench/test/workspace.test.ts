// Workspace rules that no single project can check: the dependency graph, the ESLint
// module-boundary rule, the README's two commands and bench timings, and what CI runs.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceRoot } from '../src';

const root = workspaceRoot();

function exec(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: root, timeout: 180_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const APPS = ['interlink', 'virtual-kubelet', 'docker-sidecar', 'slurm-sidecar'];
const LIBS = readdirSync(join(root, 'libs'));

describe('nx project graph', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nx-graph-'));
  interface Graph {
    nodes: Record<string, { data: { root: string } }>;
    dependencies: Record<string, Array<{ target: string }>>;
  }
  let graph: Graph;
  beforeAll(async () => {
    const file = join(dir, 'graph.json');
    const r = await exec('npx', ['nx', 'graph', `--file=${file}`]);
    if (r.code !== 0) throw new Error(`nx graph failed: ${r.stderr}`);
    graph = (JSON.parse(readFileSync(file, 'utf8')) as { graph: Graph }).graph;
  }, 200_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const rootOf = (name: string) => graph.nodes[name]?.data.root ?? `(external ${name})`;
  const deps = (name: string) =>
    (graph.dependencies[name] ?? []).map((d) => d.target).filter((t) => t in graph.nodes);

  it('knows the four apps under apps/ and every lib under libs/', () => {
    for (const app of APPS) expect(rootOf(app)).toBe(`apps/${app}`);
    const libRoots = Object.keys(graph.nodes)
      .map(rootOf)
      .filter((r) => r.startsWith('libs/'));
    expect(libRoots.sort()).toEqual(LIBS.map((l) => `libs/${l}`).sort());
  });

  it('apps depend on libs only, and on some', () => {
    for (const app of APPS) {
      const targets = deps(app).map(rootOf);
      expect(targets.length, app).toBeGreaterThan(0);
      expect(
        targets.filter((t) => !t.startsWith('libs/')),
        app,
      ).toEqual([]);
    }
  });

  it('libs never depend on apps or test projects', () => {
    for (const [name, node] of Object.entries(graph.nodes)) {
      if (!node.data.root.startsWith('libs/')) continue;
      expect(
        deps(name)
          .map(rootOf)
          .filter((t) => !t.startsWith('libs/')),
        name,
      ).toEqual([]);
    }
  });
});

describe('ESLint module boundaries', () => {
  type Message = { ruleId: string | null; message: string };
  let lint: (file: string, text: string) => Promise<Message[]>;
  beforeAll(async () => {
    const { ESLint } = await import('eslint');
    const eslint = new ESLint({ cwd: root });
    lint = async (file, text) => (await eslint.lintText(text, { filePath: join(root, file) }))[0]!.messages;
  }, 120_000);

  const boundary = (messages: Message[]) =>
    messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);

  it('refuses a lib importing an app', async () => {
    const messages = await lint(
      'libs/config/src/boundary-probe.ts',
      "import { x } from '../../../apps/interlink/src/main';\nexport const y = x;\n",
    );
    expect(boundary(messages)).toHaveLength(1);
  });

  it('refuses an app importing another app', async () => {
    const messages = await lint(
      'apps/interlink/src/boundary-probe.ts',
      "import { x } from '../../docker-sidecar/src/main';\nexport const y = x;\n",
    );
    expect(boundary(messages)).toHaveLength(1);
  });

  it('accepts an app importing a lib through its alias', async () => {
    const messages = await lint(
      'apps/interlink/src/boundary-probe.ts',
      "import { createLogger } from '@interlink/logging';\nexport const y = createLogger;\n",
    );
    expect(boundary(messages)).toEqual([]);
  });

  it('refuses a core lib reaching up into the HTTP toolkit', async () => {
    const messages = await lint(
      'libs/interlink-api/src/boundary-probe.ts',
      "import { HttpError } from '@interlink/http-kit';\nexport const y = HttpError;\n",
    );
    expect(boundary(messages)).toHaveLength(1);
  });

  it('refuses a plugin importing the node controller side, in production code', async () => {
    const messages = await lint(
      'apps/docker-sidecar/src/boundary-probe.ts',
      "import { RelayProvider } from '@interlink/relay-client';\nexport const y = RelayProvider;\n",
    );
    expect(boundary(messages)).toHaveLength(1);
  });

  it('refuses production code importing the test bench, but lets its tests use it', async () => {
    const text = "import { waitFor } from '@interlink/testbench';\nexport const y = waitFor;\n";
    expect(boundary(await lint('apps/interlink/src/boundary-probe.ts', text))).toHaveLength(1);
    expect(boundary(await lint('apps/interlink/test/boundary-probe.test.ts', text))).toEqual([]);
  });

  it('is configured as an error with tag constraints for apps and libs', async () => {
    const { ESLint } = await import('eslint');
    const config = (await new ESLint({ cwd: root }).calculateConfigForFile(
      join(root, 'libs/config/src/index.ts'),
    )) as {
      rules: Record<
        string,
        [
          number | string,
          { depConstraints: Array<{ sourceTag: string; onlyDependOnLibsWithTags: string[] }> },
        ]
      >;
    };
    const [level, options] = config.rules['@nx/enforce-module-boundaries']!;
    expect([2, 'error']).toContain(level);
    expect(options.depConstraints).toEqual(
      expect.arrayContaining([
        { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
        { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
      ]),
    );
  });
});

describe('README and CI', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = (title: string) => {
    const start = readme.indexOf(`## ${title}`);
    expect(start, title).toBeGreaterThanOrEqual(0);
    const end = readme.indexOf('\n## ', start + 3);
    return readme.slice(start, end < 0 ? undefined : end);
  };
  const shellBlocks = (text: string) =>
    [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
      m[1]!
        .split('\n')
        .map((l) => l.replace(/#.*/, '').trim())
        .filter(Boolean),
    );

  it('has exactly two set-up commands: run the stack and run the tests', () => {
    const blocks = shellBlocks(section('The two commands'));
    expect(blocks).toEqual([['npm run stack'], ['npm test']]);
  });

  it('records the cold and warm bench times in seconds', () => {
    const bench = section('The test bench');
    const cold = /\|\s*cold\b[^|]*\|\s*(\d+)\s*s\s*\|/.exec(bench);
    const warm = /\|\s*warm\b[^|]*\|\s*(\d+)\s*s\s*\|/.exec(bench);
    expect(cold?.[1], 'cold time').toBeDefined();
    expect(warm?.[1], 'warm time').toBeDefined();
    expect(Number(cold![1])).toBeGreaterThan(Number(warm![1]));
  });

  it('.ci/run runs the README test command and nothing else of substance', () => {
    const lines = readFileSync(join(root, '.ci/run'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const substance = lines.filter(
      (l) => !/^set -[euxo pifal]+$/.test(l) && !/^cd "\$\(dirname "\$0"\)\/\.\."$/.test(l),
    );
    expect(substance).toEqual(['exec npm test']);
    expect(shellBlocks(section('The two commands'))[1]).toEqual(['npm test']);
  });

  it('npm test provisions the bench and fails (never skips) when a service is missing', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts['test']).toBe('bash tools/scripts/test.sh');
    const script = readFileSync(join(root, 'tools/scripts/test.sh'), 'utf8');
    expect(script).toMatch(/^bench_up all$/m);
    const common = readFileSync(join(root, 'tools/scripts/common.sh'), 'utf8');
    const benchUp = /bench_up\(\) \{[\s\S]*?\n\}/.exec(common)?.[0] ?? '';
    expect(common).toMatch(/^set -euo pipefail$/m); // a failed `testbench.sh up` ends the run
    expect(benchUp).toContain('testbench.sh up');
    expect(benchUp).not.toMatch(/\|\|\s*true|skip/i);
  });

  it('no test in the repository skips itself (a missing service must fail)', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
        const path = `${dir}/${e.name}`;
        if (e.isDirectory() && e.name !== 'node_modules') walk(path);
        else if (e.name.endsWith('.ts') && /\.test\.ts$|\/test\//.test(path)) {
          const text = readFileSync(join(root, path), 'utf8');
          if (
            /\b(?:it|test|describe)\s*\.\s*(?:skip|skipIf|runIf|todo)\b|\b(?:ctx|context)\.skip\(/.test(text)
          )
            offenders.push(path);
        }
      }
    };
    for (const dir of ['apps', 'libs', 'tests', 'bench']) walk(dir);
    expect(offenders).toEqual([]);
  });
});
