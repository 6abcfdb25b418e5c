import { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { holdConnection } from './connection-hold';

describe('holdConnection', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('stops reading the connection for the given time, then reads again', () => {
    const socket = new Socket();
    socket.resume();
    holdConnection(socket, 1_000);
    expect(socket.isPaused()).toBe(true);
    vi.advanceTimersByTime(999);
    expect(socket.isPaused()).toBe(true);
    vi.advanceTimersByTime(1);
    expect(socket.isPaused()).toBe(false);
    socket.destroy();
  });

  it('leaves a closed connection alone', () => {
    const socket = new Socket();
    socket.destroy();
    holdConnection(socket, 1_000);
    expect(vi.getTimerCount()).toBe(0);
  });
});
