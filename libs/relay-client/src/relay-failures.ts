import { HttpClientError } from '@interlink/http-kit';
import { RelayError, type RelayOp } from './relay-error';

/** Where a failure happened: the operation, its session and the relay's address. */
export interface FailureContext {
  op: RelayOp;
  sessionId: string;
  baseUrl: string;
}

/** A transport failure of the HTTP client, in the relay client's kinds. */
export function clientFailure(ctx: FailureContext, err: unknown): RelayError {
  if (err instanceof RelayError) return err;
  const kind = err instanceof HttpClientError ? (err.kind === 'bad-response' ? 'protocol' : err.kind) : 'transport';
  const message = `${ctx.op} via ${ctx.baseUrl}: ${(err as Error).message}`;
  return new RelayError(ctx.op, kind, message, ctx.sessionId, undefined, undefined, { cause: err });
}

/** A non-200 answer; `body` is (the start of) what the relay said. */
export function httpFailure(ctx: FailureContext, status: number, body: string): RelayError {
  const detail = body.trim() === '' ? '(empty body)' : body.trim();
  return new RelayError(ctx.op, 'http', `relay answered HTTP ${status} to ${ctx.op}: ${detail}`, ctx.sessionId, status, body);
}

/** A 200 answer whose body does not match the contract. */
export function protocolFailure(ctx: Omit<FailureContext, 'baseUrl'>, body: string | Buffer, err: unknown): RelayError {
  const message = err instanceof Error ? err.message : String(err);
  const start = typeof body === 'string' ? body.slice(0, 2000) : body.subarray(0, 2000).toString();
  return new RelayError(ctx.op, 'protocol', `${ctx.op}: relay answered 200 with a body that is not valid: ${message}`, ctx.sessionId, 200, start, {
    cause: err,
  });
}

/** The VKTokenFile could not be read: reported on the request, never a crash. */
export function tokenFailure(ctx: Omit<FailureContext, 'baseUrl'>, file: string, err: unknown): RelayError {
  const code = (err as NodeJS.ErrnoException).code;
  const message = `VKTokenFile ${file}: cannot read the bearer token (${code ?? (err as Error).message})`;
  return new RelayError(ctx.op, 'token', message, ctx.sessionId, undefined, undefined, { cause: err });
}

/** The `reason` of a JSON error answer, if it has one. */
export function reasonOf(body: string | undefined): unknown {
  try {
    return (JSON.parse(body ?? '') as { reason?: unknown } | null)?.reason;
  } catch {
    return undefined;
  }
}
