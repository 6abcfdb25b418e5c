import type Docker from 'dockerode';
import type { Logger } from '@interlink/logging';
import { Labels } from '../pod/names';

export interface ContainerEvent {
  action: string;
  id: string;
  uid: string;
}

/**
 * Follows the engine's container events for this sidecar's containers (die, destroy) so
 * that exits are acted on at once instead of at the next resync. Reconnects with back-off; a
 * reconnect triggers `onReconnect` because events may have been missed meanwhile.
 */
export class DockerEventWatcher {
  private stream: NodeJS.ReadableStream | undefined;
  private stopped = false;
  private retryMs = 500;

  constructor(
    private readonly docker: Docker,
    private readonly sidecar: string,
    private readonly onEvent: (e: ContainerEvent) => void,
    private readonly onReconnect: () => void,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect(false);
  }

  stop(): void {
    this.stopped = true;
    (this.stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    this.stream = undefined;
  }

  private async connect(reconnect: boolean): Promise<void> {
    if (this.stopped) return;
    try {
      const stream = await this.docker.getEvents({
        filters: {
          type: ['container'],
          event: ['die', 'destroy'],
          label: [`${Labels.sidecar}=${this.sidecar}`],
        },
      });
      this.stream = stream;
      this.retryMs = 500;
      if (reconnect) this.onReconnect();
      let rest = '';
      stream.on('data', (chunk: Buffer) => {
        const parts = (rest + chunk.toString('utf8')).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) this.handle(line);
      });
      const again = (): void => {
        if (this.stopped || this.stream !== stream) return;
        this.stream = undefined;
        this.schedule();
      };
      stream.on('end', again);
      stream.on('error', again);
      stream.on('close', again);
    } catch (err) {
      this.logger.warn('docker events unavailable, retrying', { err, retryMs: this.retryMs });
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 30_000);
    setTimeout(() => void this.connect(true), wait).unref?.();
  }

  private handle(line: string): void {
    if (!line.trim()) return;
    try {
      const e = JSON.parse(line) as {
        Action?: string;
        status?: string;
        id?: string;
        Actor?: { ID?: string; Attributes?: Record<string, string> };
      };
      const uid = e.Actor?.Attributes?.[Labels.podUid];
      const id = e.Actor?.ID ?? e.id;
      const action = e.Action ?? e.status ?? '';
      if (uid && id) this.onEvent({ action, id, uid });
    } catch (err) {
      this.logger.debug('unparseable docker event', { err });
    }
  }
}
