import { existsSync, lstatSync, unlinkSync, chmodSync } from 'node:fs';
import { connect } from 'node:net';

/**
 * Make `path` bindable: remove a stale socket file left by a crashed process, but refuse when
 * something still answers on it or when the path is not a socket (never delete user files).
 */
export async function prepareSocketPath(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const stat = lstatSync(path);
  if (!stat.isSocket()) throw new Error(`cannot listen on unix://${path}: the path exists and is not a socket`);
  if (await somethingListens(path)) throw new Error(`cannot listen on unix://${path}: another process is listening on it`);
  unlinkSync(path);
}

function somethingListens(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const finish = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    socket.setTimeout(1000, () => finish(false));
  });
}

export function setSocketMode(path: string, mode: number | undefined): void {
  if (mode !== undefined) chmodSync(path, mode);
}

export function removeSocketFile(path: string): void {
  try {
    if (existsSync(path) && lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // Best effort: a socket file we cannot remove is reported as stale on the next start.
  }
}
