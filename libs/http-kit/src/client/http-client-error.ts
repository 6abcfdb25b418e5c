import { AxiosError } from 'axios';
import type { HttpClientErrorKind } from './types';

export class HttpClientError extends Error {
  override readonly name = 'HttpClientError';
  constructor(
    readonly kind: HttpClientErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EACCES', 'ENOTSOCK']);

/** The transport error code behind an axios error (`ECONNRESET`, ...), if any. */
export function transportCode(err: unknown): string | undefined {
  const cause = err instanceof AxiosError ? err.cause : err;
  return (cause as NodeJS.ErrnoException | undefined)?.code ?? (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Maps what axios (or Node under it) rejected with onto the client's error kinds. */
export function toClientError(err: unknown, baseUrl: string, during: string): HttpClientError {
  if (err instanceof HttpClientError) return err;
  if (err instanceof AxiosError && err.cause instanceof HttpClientError) return err.cause;
  if (err instanceof AxiosError && err.code === AxiosError.ERR_BAD_RESPONSE) return badResponse(err, baseUrl);
  const code = transportCode(err);
  const message = (err instanceof AxiosError && err.cause instanceof Error ? err.cause : (err as Error)).message;
  if (code && UNREACHABLE.has(code)) return new HttpClientError('unreachable', `${baseUrl} unreachable (${code}: ${message})`, { cause: err });
  return new HttpClientError('transport', `${baseUrl}: ${during} failed (${code ? `${code}: ` : ''}${message})`, { cause: err });
}

function badResponse(err: AxiosError, baseUrl: string): HttpClientError {
  const limit = /maxContentLength size of (\d+) exceeded/.exec(err.message);
  if (limit) return new HttpClientError('bad-response', `${baseUrl}: response body exceeds ${limit[1]} bytes`, { cause: err });
  // Axios reports a response cut short ('stream has been aborted') this way: the I/O failed.
  return new HttpClientError('transport', `${baseUrl}: connection closed before the response body was complete (${err.message})`, { cause: err });
}
