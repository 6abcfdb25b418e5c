import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeName } from '../config/sidecar-config';
import { writeFileAtomic } from './atomic-file';
import { JobFiles, jobDirName } from './job-files';

export const STATE_SCHEMA_VERSION = 1;

/** Slurm's final word on a job, persisted so Slurm is never asked about it again. */
export interface FinalJobState {
  state: string;
  reason: string;
  exitCode?: number;
  exitSignal?: number;
  startTime?: string;
  endTime?: string;
  source: string;
  observedAt: string;
}

/** One pod's job, as stored in `<jobDir>/state.json` (the source of truth; memory is a cache). */
export interface JobRecord {
  schemaVersion: number;
  uid: string;
  namespace: string;
  name: string;
  /** spec.nodeName at creation: the virtual node that owns the pod (answered by /listPods) */
  nodeName?: string;
  /** `submitting` between writing the directory and sbatch answering; `deleting` once delete began */
  phase: 'submitting' | 'submitted' | 'deleting';
  jobId?: string;
  runtime?: RuntimeName;
  initContainers: string[];
  containers: string[];
  createdAt: string;
  submittedAt?: string;
  sbatchArgs?: string[];
  final?: FinalJobState;
  /** the pod runs a relay-provided job script (container CUSTOM_SCRIPT_CONTAINER) */
  customScript?: boolean;
  /** adopted from a directory written by the Go plugin (no state.json) */
  legacy?: boolean;
}

/**
 * Job records on disk, one directory per pod. All records are loaded at start-up; every
 * change is written atomically before it is visible in memory, so a restart loses nothing.
 */
export class JobStore {
  private readonly records = new Map<string, JobRecord>();

  constructor(readonly root: string) {}

  dirOf(namespace: string, uid: string): string {
    return join(this.root, jobDirName(namespace, uid));
  }

  /** Reads every job directory under the root; returns what could not be read. */
  async load(): Promise<{ loaded: number; skipped: string[] }> {
    // 0711: jobs running as other users (runAsUser, DefaultUID) must traverse the root to
    // reach their own 0700 directory, but cannot list the other pods.
    await mkdir(this.root, { recursive: true, mode: 0o711 });
    const skipped: string[] = [];
    const entries = await readdir(this.root, { withFileTypes: true });
    for (const e of entries) {
      // Dot-directories are the plugin server's (e.g. .tombstones), never a pod's <namespace>-<uid>.
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      const dir = join(this.root, e.name);
      const rec = (await readState(dir)) ?? (await readLegacy(dir));
      if (rec && this.dirOf(rec.namespace, rec.uid) === dir) this.records.set(rec.uid, rec);
      else skipped.push(e.name);
    }
    return { loaded: this.records.size, skipped };
  }

  get(uid: string): JobRecord | undefined {
    return this.records.get(uid);
  }

  all(): JobRecord[] {
    return [...this.records.values()];
  }

  get size(): number {
    return this.records.size;
  }

  /** Persists the record (the job directory must exist) and then updates the cache. */
  async put(rec: JobRecord): Promise<void> {
    const dir = this.dirOf(rec.namespace, rec.uid);
    await writeFileAtomic(JobFiles.state(dir), JSON.stringify(rec, null, 1) + '\n');
    if (rec.jobId && !this.records.get(rec.uid)?.jobId) {
      // Upstream's id files, so the Go plugin (or a person) can read the directory too.
      // state.json is the durable record; these copies need no fsync.
      await Promise.all([
        writeFile(JobFiles.jobId(dir), rec.jobId, { mode: 0o600 }),
        writeFile(JobFiles.podUid(dir), rec.uid, { mode: 0o600 }),
        writeFile(JobFiles.podNamespace(dir), rec.namespace, { mode: 0o600 }),
      ]);
    }
    this.records.set(rec.uid, rec);
  }

  /** Removes the job directory and the record; removing something absent is fine. */
  async remove(namespace: string, uid: string): Promise<void> {
    const dir = this.dirOf(namespace, uid);
    for (let attempt = 0; ; attempt++) {
      try {
        await rm(dir, { recursive: true, force: true, maxRetries: 3 });
        break;
      } catch (err) {
        if (attempt >= 4) throw err;
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
    this.records.delete(uid);
  }

  /** Forget a record without touching the disk (after a failed create removed the directory). */
  forget(uid: string): void {
    this.records.delete(uid);
  }
}

async function readState(dir: string): Promise<JobRecord | undefined> {
  try {
    const rec = JSON.parse(await readFile(JobFiles.state(dir), 'utf8')) as JobRecord;
    if (typeof rec.uid !== 'string' || typeof rec.namespace !== 'string') return undefined;
    return { ...rec, initContainers: rec.initContainers ?? [], containers: rec.containers ?? [] };
  } catch {
    return undefined;
  }
}

/** A directory left by the Go plugin: JobID.jid, PodUID.uid and PodNamespace.ns. */
async function readLegacy(dir: string): Promise<JobRecord | undefined> {
  try {
    const [jobId, uid, namespace] = await Promise.all(
      [JobFiles.jobId(dir), JobFiles.podUid(dir), JobFiles.podNamespace(dir)].map(async (f) =>
        (await readFile(f, 'utf8')).trim(),
      ),
    );
    if (!jobId || !uid || !namespace) return undefined;
    return {
      schemaVersion: STATE_SCHEMA_VERSION,
      uid,
      namespace,
      name: '',
      phase: 'submitted',
      jobId,
      initContainers: [],
      containers: [],
      createdAt: new Date().toISOString(),
      legacy: true,
    };
  } catch {
    return undefined;
  }
}
