import type { Logger } from '@interlink/logging';

export interface Stoppable {
  stop(timeoutMs?: number): Promise<void>;
}

export interface ShutdownOptions {
  logger: Logger;
  /** Grace period for each stop(). */
  timeoutMs?: number;
  /** Signals to handle; default SIGTERM and SIGINT. */
  signals?: NodeJS.Signals[];
  /** Called after everything stopped, with exit code 0 (or 1 when a stop failed). Default process.exit. */
  exit?: (code: number) => void;
  /** Extra cleanup run after the services stopped (close clients, timers...). */
  onStopped?: () => Promise<void> | void;
}

/**
 * On SIGTERM/SIGINT, stop all services in parallel then exit(0). A second signal exits at once
 * with code 1. Returns a function that removes the handlers.
 */
export function installShutdownHandlers(services: Stoppable[], options: ShutdownOptions): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      options.logger.warn('second signal, exiting now', { signal });
      exit(1);
      return;
    }
    stopping = true;
    options.logger.info('shutting down', { signal });
    void Promise.allSettled(services.map((s) => s.stop(options.timeoutMs)))
      .then(async (results) => {
        const failed = results.filter((r) => r.status === 'rejected');
        for (const f of failed) options.logger.error('stop failed', { err: (f as PromiseRejectedResult).reason });
        try {
          await options.onStopped?.();
        } catch (err) {
          options.logger.error('cleanup failed', { err });
        }
        options.logger.info('stopped');
        exit(failed.length > 0 ? 1 : 0);
      });
  };
  for (const s of signals) process.on(s, onSignal);
  return () => {
    for (const s of signals) process.off(s, onSignal);
  };
}

export interface Service extends Stoppable {
  start(): Promise<unknown>;
}

/**
 * The tail of every service's main(): start, or log why not and exit 1; then stop on
 * SIGTERM/SIGINT. `context` adds fields to the "cannot start" line (e.g. the engine address).
 */
export async function serveUntilSignalled(
  service: Service,
  options: ShutdownOptions & { context?: Record<string, unknown> },
): Promise<(() => void) | undefined> {
  try {
    await service.start();
  } catch (err) {
    options.logger.error('cannot start', { err, ...options.context });
    (options.exit ?? ((code: number) => process.exit(code)))(1);
    return undefined;
  }
  return installShutdownHandlers([service], options);
}

/**
 * Handlers catch their own errors, so a stray rejection is a bug: log it as one JSON line
 * instead of letting Node end the process.
 */
export function logUnhandledRejections(service: string): void {
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: 'error', service, msg: 'unhandled rejection', err: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason) })}\n`,
    );
  });
}
