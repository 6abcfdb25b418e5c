import { readFileSync, statSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTPayload,
  type JSONWebKeySet,
} from 'jose';
import type { Logger } from '@interlink/logging';

export interface JwtOptions {
  jwksFile?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string | string[];
  groupsClaim: string;
  allowedGroups: string[];
}

export type JwtOutcome =
  | { ok: true; subject: string }
  | { ok: false; status: 401 | 403; message: string }
  /** The keys could not be obtained (JWKS URL down, answering an error or garbage): not the caller's fault. */
  | { ok: false; status: 503; message: string };

type KeyResolver = ReturnType<typeof createLocalJWKSet>;

/**
 * Verifies JWT bearer tokens (OIDC access/ID tokens) against a JWKS file (re-read when it
 * changes) or URL (fetched and cached by jose, refreshed on unknown `kid`). Bad signature,
 * expiry or wrong issuer → 401; valid token for the wrong audience or without an allowed
 * group → 403.
 */
export class JwtAuthenticator {
  private local: { keys: KeyResolver; signature: string } | undefined;
  private readonly remote: ReturnType<typeof createRemoteJWKSet> | undefined;

  constructor(
    private readonly options: JwtOptions,
    private readonly logger: Logger,
  ) {
    if (options.jwksUrl)
      this.remote = createRemoteJWKSet(new URL(options.jwksUrl), {
        cooldownDuration: 30_000,
        cacheMaxAge: 600_000,
      });
    else if (options.jwksFile) this.loadLocal(true);
    else throw new Error('JwtAuthenticator needs jwksFile or jwksUrl');
  }

  async verify(token: string): Promise<JwtOutcome> {
    let payload: JWTPayload;
    try {
      const keys = this.remote ?? this.localKeys();
      ({ payload } = await jwtVerify(token, keys, {
        ...(this.options.issuer ? { issuer: this.options.issuer } : {}),
        clockTolerance: 30,
      }));
    } catch (err) {
      if (this.remote && keysUnavailable(err)) {
        this.logger.warn('JWKS URL unavailable; tokens cannot be verified', {
          url: this.options.jwksUrl,
          err,
        });
        return {
          ok: false,
          status: 503,
          message: `cannot verify the token: JWKS ${this.options.jwksUrl} unavailable (${describe(err)})`,
        };
      }
      return { ok: false, status: 401, message: `invalid token: ${describe(err)}` };
    }
    if (this.options.audience !== undefined) {
      const wanted = Array.isArray(this.options.audience) ? this.options.audience : [this.options.audience];
      const aud = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (!aud.some((a) => wanted.includes(a))) {
        return {
          ok: false,
          status: 403,
          message: `token audience ${JSON.stringify(payload.aud ?? null)} is not accepted (want ${wanted.join(' or ')})`,
        };
      }
    }
    if (this.options.allowedGroups.length > 0) {
      const claim = payload[this.options.groupsClaim];
      const groups = Array.isArray(claim)
        ? claim.map(String)
        : typeof claim === 'string'
          ? claim.split(/[ ,]+/)
          : [];
      if (!groups.some((g) => this.options.allowedGroups.includes(g))) {
        return {
          ok: false,
          status: 403,
          message: `token is not in an allowed group (claim "${this.options.groupsClaim}")`,
        };
      }
    }
    return { ok: true, subject: String(payload.sub ?? payload['email'] ?? 'jwt') };
  }

  private localKeys(): KeyResolver {
    this.loadLocal(false);
    return (this.local as { keys: KeyResolver }).keys;
  }

  private loadLocal(initial: boolean): void {
    const file = this.options.jwksFile as string;
    let signature: string;
    try {
      const s = statSync(file);
      signature = `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch (err) {
      if (initial || !this.local) throw new Error(`JWKS file ${file}: ${(err as Error).message}`);
      return;
    }
    if (this.local?.signature === signature) return;
    try {
      const jwks = JSON.parse(readFileSync(file, 'utf8')) as JSONWebKeySet;
      if (!Array.isArray(jwks.keys)) throw new Error('no "keys" array');
      this.local = { keys: createLocalJWKSet(jwks), signature };
      if (!initial) this.logger.info('JWKS file reloaded', { file, keys: jwks.keys.length });
    } catch (err) {
      if (initial || !this.local) throw new Error(`JWKS file ${file}: ${(err as Error).message}`);
      this.logger.warn('JWKS file invalid; keeping the previous keys', { file, err });
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed)
    return `claim "${err.claim}" ${err.reason === 'check_failed' ? 'check failed' : err.reason}`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no matching key';
  if (err instanceof errors.JOSEError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Failures to obtain the keys rather than problems of the token: network errors (not JOSE
 * errors), timeouts, an invalid JWKS document, and jose's generic error for a non-200 answer.
 */
function keysUnavailable(err: unknown): boolean {
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return true;
  if (!(err instanceof errors.JOSEError)) return true;
  return err.code === 'ERR_JOSE_GENERIC';
}
