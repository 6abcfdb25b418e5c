import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { HttpError, type AuthResult, type Authenticator } from '@interlink/http-kit';
import type { Logger } from '@interlink/logging';
import type { AuthSettings } from '../config/RelaySettings';
import { JwtAuthenticator } from './JwtAuthenticator';
import { TokenAuthenticator } from './TokenAuthenticator';

/**
 * Every configured mechanism is enforced: mTLS by the TLS layer (a handshake without a valid
 * client certificate never reaches here), bearer tokens here (static token file or JWT; a token
 * accepted by either passes). Returns undefined when nothing needs checking per request.
 */
export function createRelayAuthenticator(auth: AuthSettings, logger: Logger): Authenticator | undefined {
  const tokens = auth.tokenFile ? new TokenAuthenticator(auth.tokenFile, logger) : undefined;
  const jwt =
    auth.jwksFile || auth.jwksUrl
      ? new JwtAuthenticator(
          {
            ...(auth.jwksFile ? { jwksFile: auth.jwksFile } : {}),
            ...(auth.jwksUrl ? { jwksUrl: auth.jwksUrl } : {}),
            ...(auth.issuer ? { issuer: auth.issuer } : {}),
            ...(auth.audience ? { audience: auth.audience } : {}),
            groupsClaim: auth.groupsClaim,
            allowedGroups: auth.allowedGroups,
          },
          logger,
        )
      : undefined;
  const bearerRequired = tokens !== undefined || jwt !== undefined;
  if (!bearerRequired && !auth.mutualTls && !auth.trustForwardedHeaders) return undefined;

  return async (req: IncomingMessage): Promise<AuthResult> => {
    const certName = auth.mutualTls ? clientCertName(req) : undefined;
    const forwarded = auth.trustForwardedHeaders ? forwardedUser(req) : undefined;
    if (!bearerRequired) return { ok: true, ...principal(forwarded ?? certName) };

    const header = req.headers.authorization;
    if (!header)
      return {
        ok: false,
        status: 401,
        message: 'authentication required: missing "Authorization: Bearer <token>" header',
      };
    const m = /^Bearer[ ]+(.*)$/i.exec(header);
    const token = m?.[1]?.trim();
    if (!token)
      return {
        ok: false,
        status: 401,
        message: 'authentication required: Authorization header must be "Bearer <token>"',
      };

    if (tokens?.accepts(token)) return { ok: true, ...principal(forwarded ?? certName ?? 'token') };
    if (jwt && looksLikeJwt(token)) {
      const outcome = await jwt.verify(token);
      if (outcome.ok) return { ok: true, principal: forwarded ?? outcome.subject };
      // The identity provider is down: a 401 would tell the caller its credentials are wrong.
      if (outcome.status === 503) throw new HttpError(503, outcome.message, { origin: 'auth' });
      return { ok: false, status: outcome.status, message: outcome.message };
    }
    return { ok: false, status: 401, message: 'invalid bearer token' };
  };
}

function principal(name: string | undefined): { principal?: string } {
  return name ? { principal: name } : {};
}

function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

function clientCertName(req: IncomingMessage): string | undefined {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  const cn = socket.getPeerCertificate()?.subject?.CN;
  return cn ? `cert:${Array.isArray(cn) ? cn.join(',') : cn}` : undefined;
}

function forwardedUser(req: IncomingMessage): string | undefined {
  const v = req.headers['x-forwarded-email'] ?? req.headers['x-forwarded-user'];
  return typeof v === 'string' && v !== '' ? v.slice(0, 200) : undefined;
}
