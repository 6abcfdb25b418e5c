/** Throw from a handler to answer with a deliberate status and a JSON `{ error, sessionId }`. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    /** Extra JSON fields merged into the error body. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
