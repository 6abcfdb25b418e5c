// Bundles one project's entry point into dist/<projectRoot>/main.js with esbuild.
// Workspace libs (tsconfig paths) are inlined; npm packages stay external so that
// `node dist/apps/<name>/main.js` runs against the repository's node_modules.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const projectRoot = process.argv[2];
if (!projectRoot) {
  console.error('usage: build.mjs <projectRoot>');
  process.exit(2);
}
const entry = ['src/main.ts', 'src/index.ts'].map((f) => join(projectRoot, f)).find((f) => existsSync(f));
if (!entry) {
  console.error(`build: no src/main.ts or src/index.ts in ${projectRoot}`);
  process.exit(2);
}
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const outfile = join('dist', projectRoot, entry.endsWith('main.ts') ? 'main.js' : 'index.js');
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  packages: 'external',
  tsconfig: 'tsconfig.base.json',
  define: { __INTERLINK_VERSION__: JSON.stringify(pkg.version) },
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
console.log(`built ${outfile}`);
