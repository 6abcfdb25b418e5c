import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** One Kubernetes API call site found in the source. */
export interface ApiCall {
  where: string;
  method: string;
  /** Path with `{}` for the parts only known at run time. */
  path: string;
  watch: boolean;
}

export interface ScanResult {
  calls: ApiCall[];
  /** Call sites whose method or path could not be worked out: the scanner must learn them. */
  unresolved: string[];
}

const PLACEHOLDER = '{}';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts') && !entry.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/**
 * Finds every Kubernetes API call in a TypeScript source tree: `<x>.kube.request|stream({ method,
 * path, query })` of the node controller's KubeClient, and client-node `Watch#watch(path, ...)`.
 * Paths are rebuilt from literals, templates, module constants, `this.<field>` assignments and,
 * for a path parameter, the arguments at the method's call sites in the same file.
 */
export function scanApiCalls(srcDir: string, root: string): ScanResult {
  const calls: ApiCall[] = [];
  const unresolved: string[] = [];
  for (const file of sourceFiles(srcDir)) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const consts = new Map<string, ts.Expression>();
    const fields = new Map<string, ts.Expression>();
    const collect = (node: ts.Node): void => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer)
        consts.set(node.name.text, node.initializer);
      if (
        ts.isBinaryExpression(node) &&
        node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
        ts.isPropertyAccessExpression(node.left) &&
        node.left.expression.kind === ts.SyntaxKind.ThisKeyword
      ) {
        fields.set(node.left.name.text, node.right);
      }
      ts.forEachChild(node, collect);
    };
    collect(sf);

    const resolve = (expr: ts.Expression, at: ts.Node, depth = 0): string[] | undefined => {
      if (depth > 5) return undefined;
      if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return [expr.text];
      if (ts.isParenthesizedExpression(expr)) return resolve(expr.expression, at, depth + 1);
      if (ts.isTemplateExpression(expr)) {
        let acc = [expr.head.text];
        for (const span of expr.templateSpans) {
          // A span that names a known path constant keeps its text; anything else is a run-time value.
          const known =
            ts.isIdentifier(span.expression) || ts.isPropertyAccessExpression(span.expression)
              ? resolve(span.expression, at, depth + 1)
              : undefined;
          const parts = known && known.every((k) => k.startsWith('/')) ? known : [PLACEHOLDER];
          acc = acc.flatMap((a) => parts.map((p) => a + p + span.literal.text));
        }
        return acc;
      }
      if (ts.isPropertyAccessExpression(expr) && expr.expression.kind === ts.SyntaxKind.ThisKeyword) {
        const init = fields.get(expr.name.text);
        return init ? resolve(init, at, depth + 1) : undefined;
      }
      if (ts.isIdentifier(expr)) {
        const param = enclosingParameter(at, expr.text);
        if (param) return resolveParameter(param.fn, param.index, depth);
        const init = consts.get(expr.text);
        return init ? resolve(init, at, depth + 1) : undefined;
      }
      return undefined;
    };

    const resolveParameter = (
      fn: ts.FunctionLikeDeclaration,
      index: number,
      depth: number,
    ): string[] | undefined => {
      const name = fn.name && ts.isIdentifier(fn.name) ? fn.name.text : undefined;
      if (!name) return undefined;
      const results: string[] = [];
      let ok = true;
      let sites = 0;
      const visit = (node: ts.Node): void => {
        if (ts.isCallExpression(node)) {
          const callee = node.expression;
          const calleeName = ts.isPropertyAccessExpression(callee)
            ? callee.name.text
            : ts.isIdentifier(callee)
              ? callee.text
              : undefined;
          const arg = node.arguments[index];
          if (calleeName === name && arg) {
            sites++;
            const r = resolve(arg, node, depth + 1);
            if (r) results.push(...r);
            else ok = false;
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
      return ok && sites > 0 ? results : undefined;
    };

    const record = (
      node: ts.Node,
      method: string | undefined,
      pathExpr: ts.Expression | undefined,
      watch: boolean,
    ): void => {
      const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
      const where = `${relative(root, file)}:${line + 1}`;
      const paths = pathExpr ? resolve(pathExpr, node) : undefined;
      if (!method || !paths) {
        unresolved.push(`${where}: ${node.getText().slice(0, 120)}`);
        return;
      }
      for (const path of paths) calls.push({ where, method, path, watch });
    };

    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
        const name = node.expression.name.text;
        const target = node.expression.expression.getText();
        const arg = node.arguments[0];
        if ((name === 'request' || name === 'stream') && /(^|\.)kube$/.test(target)) {
          if (arg && ts.isObjectLiteralExpression(arg)) {
            const prop = (key: string): ts.Expression | undefined => {
              for (const p of arg.properties) {
                if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === key)
                  return p.initializer;
                if (ts.isShorthandPropertyAssignment(p) && p.name.text === key) return p.name;
              }
              return undefined;
            };
            const m = prop('method');
            const method = m && ts.isStringLiteral(m) ? m.text : undefined;
            const query = prop('query');
            const watch =
              query !== undefined &&
              ts.isObjectLiteralExpression(query) &&
              query.properties.some(
                (p) =>
                  ts.isPropertyAssignment(p) &&
                  p.name.getText() === 'watch' &&
                  p.initializer.kind === ts.SyntaxKind.TrueKeyword,
              );
            record(node, method, prop('path'), watch);
          } else {
            record(node, undefined, undefined, false);
          }
        }
        // client-node's Watch: `new Watch(kc).watch('/api/v1/pods', params, onEvent, onDone)`
        if (name === 'watch' && arg && node.arguments.length >= 3) record(node, 'GET', arg, true);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { calls, unresolved };
}

/** The function-like declaration around `at` that has a parameter named `name`, with its index. */
function enclosingParameter(
  at: ts.Node,
  name: string,
): { fn: ts.FunctionLikeDeclaration; index: number } | undefined {
  for (let n: ts.Node | undefined = at; n; n = n.parent) {
    if (ts.isFunctionLike(n) && 'body' in n) {
      const fn = n as ts.FunctionLikeDeclaration;
      const index = fn.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === name);
      if (index >= 0) return { fn, index };
    }
  }
  return undefined;
}

/** RBAC permission of one call: `group/resource:verb` (core group written `core`). */
export function permissionOf(call: ApiCall): string {
  const parts = call.path.split('?')[0]!.split('/').filter(Boolean);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api') {
    group = 'core';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    group = parts[1]!;
    rest = parts.slice(3);
  } else {
    throw new Error(`${call.where}: not a Kubernetes API path: ${call.path}`);
  }
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const resource = rest[2] ? `${rest[0]}/${rest[2]}` : rest[0]!;
  const item = rest.length >= 2;
  const verb = {
    GET: call.watch ? 'watch' : item ? 'get' : 'list',
    POST: 'create',
    PUT: 'update',
    PATCH: 'patch',
    DELETE: item ? 'delete' : 'deletecollection',
  }[call.method];
  if (!verb) throw new Error(`${call.where}: unexpected method ${call.method}`);
  return `${group}/${resource}:${verb}`;
}

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** Every `group/resource:verb` the ClusterRoles and Roles of a manifest grant. */
export function grantedPermissions(docs: Array<{ kind?: string; rules?: PolicyRule[] }>): string[] {
  const out = new Set<string>();
  for (const doc of docs) {
    if (doc.kind !== 'ClusterRole' && doc.kind !== 'Role') continue;
    for (const rule of doc.rules ?? []) {
      if (rule.nonResourceURLs || rule.resourceNames)
        throw new Error('rules with nonResourceURLs/resourceNames are not expected');
      for (const g of rule.apiGroups ?? []) {
        for (const r of rule.resources ?? [])
          for (const v of rule.verbs ?? []) out.add(`${g || 'core'}/${r}:${v}`);
      }
    }
  }
  return [...out].sort();
}
