/** What the client knows about one failed attempt when it decides whether to send again. */
export interface FailedAttempt {
  /** Upper-case HTTP method. */
  method: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** The transport error code (`ECONNRESET`, ...), if any. */
  code?: string;
  /** The attempt went out on a pooled keep-alive socket that had served earlier requests. */
  reusedSocket: boolean;
  /** Some response bytes (at least the headers) arrived: the server saw the request. */
  responded: boolean;
  /** The caller's explicit choice for this request; undefined = the policy decides. */
  optIn?: boolean;
}

/** Decides whether a failed attempt is sent again. Attempts are repeated immediately. */
export interface RetryPolicy {
  shouldRetry(failure: FailedAttempt): boolean;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/**
 * One retry when a pooled keep-alive socket turns out to have been closed by the server (reset
 * before any response byte): the request never reached a handler, so sending it again on a fresh
 * socket is safe for idempotent methods. Callers opt other methods in (or idempotent ones out)
 * per request. Any other failure is reported as it is.
 */
export const staleSocketRetry: RetryPolicy = {
  shouldRetry(failure: FailedAttempt): boolean {
    if (failure.attempt > 1 || failure.responded || !failure.reusedSocket) return false;
    if (!STALE_SOCKET_CODES.has(failure.code ?? '')) return false;
    return failure.optIn ?? IDEMPOTENT.has(failure.method);
  },
};

/** Never sends a request twice. */
export const noRetry: RetryPolicy = { shouldRetry: () => false };
