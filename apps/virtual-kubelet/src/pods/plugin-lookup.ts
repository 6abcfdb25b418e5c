import type { V1Pod } from '@kubernetes/client-node';
import type { PodStatus } from '@interlink/api';
import type { Provider } from '@interlink/relay-client';
import { relaySessionId } from '@interlink/relay-client';

interface Waiter {
  pod: V1Pod;
  resolve: (answer: PodStatus | undefined) => void;
  reject: (err: unknown) => void;
}

/**
 * Asks the plugin (through the relay's `/status`) whether it has pods, batching the questions
 * of one moment into one call: after a restart every pod of the node asks at once, and 5,000
 * single-pod calls would be 5,000 round trips (the relay client chunks big batches).
 *
 * The answer is what the plugin really has: under the status contract a plugin leaves out a
 * pod it has no record of having created (never created, or the create has not arrived yet),
 * and answers a pod it created whose container or job vanished as terminated.
 */
export class PluginLookup {
  private queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly provider: Provider,
    private readonly batchWindowMs = 20,
  ) {}

  /** The plugin's answer for the pod, or undefined when it does not list it; rejects (RelayError) when it could not be asked. */
  find(pod: V1Pod): Promise<PodStatus | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ pod, resolve, reject });
      this.timer ??= setTimeout(() => void this.flush(), this.batchWindowMs);
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.timer = undefined;
    try {
      const answers = await this.provider.status(
        batch.map((w) => w.pod),
        { sessionId: relaySessionId('GetStatus') },
      );
      const byUid = new Map(answers.map((a) => [a.UID, a]));
      for (const w of batch) w.resolve(byUid.get(w.pod.metadata?.uid ?? ''));
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
}
