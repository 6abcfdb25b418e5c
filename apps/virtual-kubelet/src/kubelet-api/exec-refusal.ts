import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const header = len < 126 ? Buffer.from([0x80 | opcode, len]) : Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff]);
  return Buffer.concat([header, payload]);
}

/**
 * Refuses an exec/attach stream the way a kubelet reports a failed exec, so `kubectl exec`
 * prints the reason instead of "unknown error": accept the WebSocket, write a Status on the
 * error channel (3), close. Without a WebSocket handshake it answers a plain 501.
 */
export function refuseStream(req: IncomingMessage, socket: Duplex, message: string): void {
  const key = req.headers['sec-websocket-key'];
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim());
  const protocol = CHANNEL_PROTOCOLS.find((p) => offered.includes(p));
  const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'NotImplemented', code: 501 };
  if (typeof key !== 'string' || !protocol) {
    // SPDY (what the API server speaks to kubelets): client-go turns a Status body into the error it shows.
    const body = JSON.stringify(status);
    socket.end(`HTTP/1.1 501 Not Implemented\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    setTimeout(() => socket.destroy(), 2_000).unref?.();
    return;
  }
  const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`);
  socket.write(frame(0x2, Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(status))])));
  socket.end(frame(0x8, Buffer.from([0x03, 0xe8])));
  // The peer should close after our close frame; do not keep a half-open socket around.
  setTimeout(() => socket.destroy(), 2_000).unref?.();
}
