import { Watch, type KubeConfig, type V1Pod, type V1PodList } from '@kubernetes/client-node';
import type { Logger } from '@interlink/logging';
import type { KubeClient } from '../kube/kube-client';

/** managedFields are a third of a pod's size and nothing here reads them. */
function slim(pod: V1Pod): V1Pod {
  if (pod.metadata?.managedFields) delete pod.metadata.managedFields;
  return pod;
}

export interface PodEventHandler {
  /** A pod was added or changed (also called for every pod after a re-list). */
  upsert(pod: V1Pod): void;
  /** A pod is gone from the API (deleted, or missing after a re-list). */
  remove(pod: V1Pod): void;
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: V1Pod & { code?: number; message?: string };
}

/**
 * The pods bound to this node (`spec.nodeName=<node>`), kept in a UID-keyed cache with
 * list + watch: the watch resumes from the last resourceVersion (bookmarks keep it fresh),
 * and a 410 Gone makes it re-list, reporting pods that vanished in between as removed.
 */
export class PodWatcher {
  private readonly pods = new Map<string, V1Pod>();
  private resourceVersion = '';
  private abort: AbortController | undefined;
  private stopped = true;
  private backoffMs = 500;
  private synced!: Promise<void>;
  private markSynced!: () => void;
  relists = 0;

  constructor(
    private readonly kc: KubeConfig,
    private readonly kube: KubeClient,
    private readonly nodeName: string,
    private readonly handler: PodEventHandler,
    private readonly log: Logger,
  ) {
    this.resetSynced();
  }

  private resetSynced(): void {
    this.synced = new Promise((resolve) => (this.markSynced = resolve));
  }

  /** Lists (so the cache is complete when this resolves), then keeps watching in the background. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.relist();
    this.markSynced();
    void this.watchLoop();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  whenSynced(): Promise<void> {
    return this.synced;
  }

  get(uid: string): V1Pod | undefined {
    return this.pods.get(uid);
  }

  list(): V1Pod[] {
    return [...this.pods.values()];
  }

  find(namespace: string, name: string): V1Pod | undefined {
    for (const p of this.pods.values()) if (p.metadata?.namespace === namespace && p.metadata?.name === name) return p;
    return undefined;
  }

  private get selector(): string {
    return `spec.nodeName=${this.nodeName}`;
  }

  private async relist(): Promise<void> {
    const seen = new Set<string>();
    const items: V1Pod[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.kube.request<V1PodList>({
        method: 'GET',
        path: '/api/v1/pods',
        query: { fieldSelector: this.selector, limit: 500, continue: cont },
      });
      items.push(...page.items);
      cont = page.metadata?._continue || undefined;
      rv = page.metadata?.resourceVersion ?? rv;
    } while (cont);
    this.relists++;
    for (const pod of items) {
      slim(pod);
      const uid = pod.metadata?.uid;
      if (!uid) continue;
      seen.add(uid);
      this.pods.set(uid, pod);
    }
    for (const [uid, pod] of this.pods) {
      if (!seen.has(uid)) {
        this.pods.delete(uid);
        this.safely(() => this.handler.remove(pod));
      }
    }
    this.resourceVersion = rv;
    for (const pod of items) this.safely(() => this.handler.upsert(pod));
  }

  private async watchLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        const gone = await this.watchOnce();
        if (gone) {
          this.log.info('pod watch expired (410 Gone); re-listing', { node: this.nodeName });
          this.resourceVersion = '';
        }
        this.backoffMs = 500;
      } catch (err) {
        if (this.stopped) return;
        const e = err as Error & { statusCode?: number };
        if (e.statusCode === 410) this.resourceVersion = '';
        this.log.warn('pod watch failed; retrying', { error: e.message, retryInMs: this.backoffMs });
        await sleep(this.backoffMs);
        this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
      }
    }
  }

  /** One watch request; resolves true when the server said the resourceVersion is too old. */
  private watchOnce(): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let gone = false;
      const watch = new Watch(this.kc);
      const params = {
        fieldSelector: this.selector,
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: 240 + Math.floor(Math.random() * 120),
      };
      watch
        .watch(
          '/api/v1/pods',
          params,
          (type: string, object: WatchEvent['object']) => {
            if (type === 'ERROR') {
              if (object.code === 410) gone = true;
              else this.log.warn('pod watch error event', { code: object.code, message: object.message });
              return;
            }
            if (type === 'BOOKMARK') {
              this.resourceVersion = object.metadata?.resourceVersion ?? this.resourceVersion;
              return;
            }
            const uid = slim(object).metadata?.uid;
            if (!uid) return;
            this.resourceVersion = object.metadata?.resourceVersion ?? this.resourceVersion;
            if (type === 'DELETED') {
              this.pods.delete(uid);
              this.safely(() => this.handler.remove(object));
            } else {
              this.pods.set(uid, object);
              this.safely(() => this.handler.upsert(object));
            }
          },
          (err: unknown) => {
            this.abort = undefined;
            if (err && !this.stopped) reject(err instanceof Error ? err : new Error(String(err)));
            else resolve(gone);
          },
        )
        .then((controller: AbortController) => {
          this.abort = controller;
          if (this.stopped) controller.abort();
        })
        .catch(reject);
    });
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error('pod event handler failed', { error: (err as Error).message });
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
