// Image build helper: keeps in <appDir>/node_modules only the packages an app bundle can load.
// esbuild leaves npm packages external, and `npm ci --omit=dev` installs the production
// dependencies of every app; this walks, from the bundle's bare imports, the dependency graph
// the way Node resolves it (nearest node_modules upwards) and deletes everything else.
//
//   node prune-deps.mjs <bundle.js> <appDir>
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';

const [bundle, appDir] = process.argv.slice(2);
if (!bundle || !appDir) {
  console.error('usage: prune-deps.mjs <bundle.js> <appDir>');
  process.exit(2);
}

const builtins = new Set(builtinModules);
const source = readFileSync(bundle, 'utf8');
const specifiers = new Set();
const patterns = [
  /\bfrom\s*["']([^"'./][^"']*)["']/g,
  /\bimport\s*["']([^"'./][^"']*)["']/g,
  /\bimport\(\s*["']([^"'./][^"']*)["']\s*\)/g,
  /\brequire\(\s*["']([^"'./][^"']*)["']\s*\)/g,
];
for (const re of patterns) for (const m of source.matchAll(re)) specifiers.add(m[1]);
const packageOf = (spec) =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
const roots = [...specifiers]
  .filter((s) => !s.startsWith('node:') && !builtins.has(packageOf(s)))
  .map(packageOf);

const modules = join(appDir, 'node_modules');
/** Node's lookup: <from>/node_modules/<name>, then each parent's node_modules. */
function resolvePackage(name, fromDir) {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === appDir || dir === dirname(dir)) return undefined;
    dir = dirname(dir);
    while (dir !== appDir && dir.endsWith('node_modules')) dir = dirname(dir);
  }
}

const keep = new Set();
const queue = [];
for (const name of new Set(roots)) {
  const dir = resolvePackage(name, appDir);
  if (!dir) {
    console.error(`prune-deps: the bundle imports "${name}" but it is not installed`);
    process.exit(1);
  }
  queue.push(dir);
}
while (queue.length > 0) {
  const dir = queue.pop();
  if (keep.has(dir)) continue;
  keep.add(dir);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const optionalPeers = new Set(
    Object.entries(pkg.peerDependenciesMeta ?? {})
      .filter(([, m]) => m.optional)
      .map(([n]) => n),
  );
  const deps = [
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.optionalDependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}).filter((n) => !optionalPeers.has(n)),
  ];
  for (const dep of deps) {
    const found = resolvePackage(dep, dir);
    if (found) queue.push(found);
    else if (!(pkg.optionalDependencies ?? {})[dep] && !optionalPeers.has(dep)) {
      console.error(`prune-deps: ${relative(appDir, dir)} needs "${dep}", which is not installed`);
      process.exit(1);
    }
  }
}

/** Every installed package directory under a node_modules folder, nested ones included. */
function installed(nodeModules) {
  if (!existsSync(nodeModules)) return [];
  const out = [];
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const names = entry.startsWith('@')
      ? readdirSync(join(nodeModules, entry)).map((n) => join(entry, n))
      : [entry];
    for (const n of names) {
      const dir = join(nodeModules, n);
      out.push(dir, ...installed(join(dir, 'node_modules')));
    }
  }
  return out;
}

let removed = 0;
for (const dir of installed(modules)) {
  if (keep.has(dir) || !existsSync(dir)) continue;
  // A nested package of a kept package can only be needed if its parent is kept.
  rmSync(dir, { recursive: true, force: true });
  removed++;
}
rmSync(join(modules, '.package-lock.json'), { force: true });
for (const scope of readdirSync(modules).filter((e) => e.startsWith('@'))) {
  if (readdirSync(join(modules, scope)).length === 0) rmSync(join(modules, scope), { recursive: true });
}
rmSync(join(modules, '.bin'), { recursive: true, force: true });
console.log(
  `prune-deps: kept ${keep.size} packages for ${[...new Set(roots)].join(', ')}; removed ${removed}`,
);
