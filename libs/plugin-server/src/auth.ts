import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Authenticator } from '@interlink/http-kit';

/**
 * Bearer-token check for hop 2. Upstream plugins have no authentication at all; ours offers
 * an optional shared token so a plugin reachable over TCP is not open to anyone on the network.
 */
export function bearerTokenAuthenticator(token: string): Authenticator {
  const expected = Buffer.from(token.trim(), 'utf8');
  return async (req: IncomingMessage) => {
    const header = req.headers.authorization;
    if (!header) return { ok: false, status: 401, message: 'missing Authorization: Bearer <token> header' };
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match?.[1])
      return { ok: false, status: 401, message: 'Authorization header must be "Bearer <token>"' };
    const given = Buffer.from(match[1].trim(), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, status: 401, message: 'invalid bearer token' };
    }
    return { ok: true, principal: 'bearer-token' };
  };
}
