import type { Socket } from 'node:net';

/**
 * Stops reading a keep-alive connection for `ms`: its next request waits, the answer to the
 * current one still goes out. A flood that ignores Retry-After then costs at most one request
 * per connection per Retry-After, instead of as many as the controller can answer.
 */
export function holdConnection(socket: Socket, ms: number): void {
  if (socket.destroyed || ms <= 0) return;
  socket.pause();
  const timer = setTimeout(() => socket.resume(), ms);
  timer.unref?.();
  socket.once('close', () => clearTimeout(timer));
}
