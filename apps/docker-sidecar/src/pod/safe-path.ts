import { realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** A file name or sub-path from the pod (ConfigMap key, item path, subPath) that would leave its directory. */
export class PathTraversalError extends Error {
  override readonly name = 'PathTraversalError';
}

/**
 * Joins a relative path taken from the pod onto `root`, refusing anything that could leave
 * `root`: absolute paths, `..` segments, empty segments tricks, NUL bytes.
 */
export function safeJoin(root: string, untrusted: string, what: string): string {
  if (untrusted === '' || untrusted.includes('\0'))
    throw new PathTraversalError(`${what} "${untrusted}" is empty or contains NUL`);
  if (isAbsolute(untrusted)) throw new PathTraversalError(`${what} "${untrusted}" must be a relative path`);
  const segments = untrusted.split('/');
  if (segments.some((s) => s === '..'))
    throw new PathTraversalError(`${what} "${untrusted}" must not contain ".."`);
  const full = resolve(root, untrusted);
  const rel = relative(resolve(root), full);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw new PathTraversalError(`${what} "${untrusted}" escapes its volume`);
  return full;
}

/**
 * After symlinks are resolved, `path` must still be inside `root`: a container can plant a
 * symlink in a shared emptyDir and have a later subPath mount follow it onto the host.
 */
export function assertInsideAfterSymlinks(root: string, path: string, what: string): void {
  const realRoot = realpathSync(root);
  const real = realpathSync(path);
  if (real !== realRoot && !real.startsWith(realRoot + sep)) {
    throw new PathTraversalError(`${what} resolves outside its volume (through a symlink)`);
  }
}

/** `join` for paths we built ourselves from validated names. */
export function podPath(...parts: string[]): string {
  return join(...parts);
}
