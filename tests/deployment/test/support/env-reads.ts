import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts') && !entry.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** `process.env.X`, `process.env['X']`, `env['X']`, `environment['X']`: X read as a literal name. */
const ENV_OBJECT = /(^|\.)(env|environment)$/;

/**
 * Environment variables a source tree reads by literal name (comments and strings are not code:
 * the TypeScript parser finds the reads), and config-path variables given as `configEnvVar: 'NAME'`. Variables read through a name table (an app's
 * `*_ENV_VARS` map) are not literal reads; callers add those tables.
 */
export function envReads(dirs: string[]): string[] {
  return [...new Set(dirs.flatMap(readsOfDir))].sort();
}

const cache = new Map<string, string[]>();
function readsOfDir(dir: string): string[] {
  const hit = cache.get(dir);
  if (hit) return hit;
  const names = new Set<string>();
  for (const file of sourceFiles(dir)) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (ts.isElementAccessExpression(node) && ENV_OBJECT.test(node.expression.getText())) {
        const arg = node.argumentExpression;
        if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) names.add(arg.text);
      }
      if (
        ts.isPropertyAccessExpression(node) &&
        node.expression.getText() === 'process.env' &&
        /^[A-Z][A-Z0-9_]*$/.test(node.name.text)
      )
        names.add(node.name.text);
      // libs/config's CLI: `configEnvVar: 'NAME'` names the variable holding the config file path.
      if (
        ts.isPropertyAssignment(node) &&
        node.name.getText() === 'configEnvVar' &&
        ts.isStringLiteral(node.initializer)
      )
        names.add(node.initializer.text);
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  const found = [...names];
  cache.set(dir, found);
  return found;
}
