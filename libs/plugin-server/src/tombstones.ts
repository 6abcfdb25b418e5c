import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@interlink/logging';

/** A pod whose /delete arrived: its UID never runs here again. */
export interface Tombstone {
  uid: string;
  namespace: string;
  name: string;
  /** RFC 3339 time the delete arrived. */
  deletedAt: string;
}

export interface TombstoneStoreOptions {
  /** Directory of the journal (`deleted-pods.jsonl`); without it tombstones live in memory only. */
  dir?: string;
  /** How many of the most recent deletions are remembered. Default 10,000. */
  capacity?: number;
  logger?: Logger;
}

export const TOMBSTONE_FILE = 'deleted-pods.jsonl';
const DEFAULT_CAPACITY = 10_000;

/**
 * Where a sidecar keeps its tombstones: inside its data directory so they survive restarts with
 * the pod records, in a dot-directory no pod directory (`<namespace>-<uid>`) can be.
 */
export function tombstoneDirOf(dataRoot: string): string {
  return join(dataRoot, '.tombstones');
}

/**
 * The last N deleted pod UIDs, kept across restarts as an append-only JSON-lines journal that is
 * rewritten once it holds twice the capacity. Upstream node controllers send /create in the
 * background, so its /delete may arrive first; the tombstone is what stops the late create from
 * starting a pod nobody will ever delete.
 *
 * File work is synchronous on purpose: one short append per /delete, and ordering between a
 * delete and a create that follows it is then guaranteed without locks.
 */
export class TombstoneStore {
  private readonly entries = new Map<string, Tombstone>();
  private readonly capacity: number;
  private readonly file: string | undefined;
  private journalLines = 0;

  constructor(private readonly options: TombstoneStoreOptions = {}) {
    this.capacity = Math.max(1, options.capacity ?? DEFAULT_CAPACITY);
    this.file = options.dir ? join(options.dir, TOMBSTONE_FILE) : undefined;
    this.load();
  }

  get size(): number {
    return this.entries.size;
  }

  get(uid: string): Tombstone | undefined {
    return this.entries.get(uid);
  }

  /** Remembers the deletion (moving a known UID to the newest position) and journals it. */
  add(pod: Omit<Tombstone, 'deletedAt'>, now: Date = new Date()): Tombstone {
    const tombstone: Tombstone = { ...pod, deletedAt: now.toISOString() };
    this.remember(tombstone);
    if (!this.file) return tombstone;
    try {
      // Created on first use: a sidecar that never deleted anything leaves no trace on disk.
      if (this.journalLines === 0 && this.options.dir)
        mkdirSync(this.options.dir, { recursive: true, mode: 0o700 });
      appendFileSync(this.file, `${JSON.stringify(tombstone)}\n`, { mode: 0o600 });
      this.journalLines++;
      if (this.journalLines > 2 * this.capacity) this.compact();
    } catch (err) {
      // The delete itself must still succeed; the tombstone then lasts until the next restart.
      this.options.logger?.error('cannot persist tombstone', { err, uid: pod.uid, file: this.file });
    }
    return tombstone;
  }

  private remember(t: Tombstone): void {
    this.entries.delete(t.uid);
    this.entries.set(t.uid, t);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  private load(): void {
    if (!this.file) return;
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const line of text.split('\n')) {
      const t = parseLine(line);
      if (t) this.remember(t);
      if (line.trim()) this.journalLines++;
    }
    this.options.logger?.info('tombstones loaded', { file: this.file, tombstones: this.entries.size });
  }

  /** Rewrites the journal with only the remembered entries (temp file + rename: never half written). */
  private compact(): void {
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    const lines = [...this.entries.values()].map((t) => JSON.stringify(t));
    writeFileSync(tmp, lines.length ? `${lines.join('\n')}\n` : '', { mode: 0o600 });
    renameSync(tmp, this.file);
    this.journalLines = lines.length;
  }
}

/** A journal line, or undefined for a torn last line or anything else unreadable. */
function parseLine(line: string): Tombstone | undefined {
  if (!line.trim()) return undefined;
  try {
    const t = JSON.parse(line) as Partial<Tombstone>;
    if (typeof t.uid !== 'string' || !t.uid) return undefined;
    return {
      uid: t.uid,
      namespace: String(t.namespace ?? ''),
      name: String(t.name ?? ''),
      deletedAt: String(t.deletedAt ?? ''),
    };
  } catch {
    return undefined;
  }
}

/** The 409 text of a create that arrived after the pod's delete. */
export function deletedBeforeCreateMessage(t: Tombstone): string {
  return `pod ${t.namespace}/${t.name} (${t.uid}) was deleted before this create arrived; nothing was started (deleted at ${t.deletedAt})`;
}
