import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { createTestPki, HttpClient, HttpClientError, type TestPki } from '@interlink/http-kit';
import { RecordingPlugin } from './RecordingPlugin';
import { relayConfig, startRelay, type RunningRelay } from './harness';
import { pod, podStatus, UID_A } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'relay-auth-'));
const plugin = new RecordingPlugin();

beforeAll(async () => {
  await plugin.start();
  plugin.answer('/status', 200, [podStatus(UID_A)]);
});
afterAll(() => plugin.stop());

async function statusWith(r: RunningRelay, token?: string): Promise<number> {
  const res = await r.client.request({
    method: 'GET',
    path: '/status',
    json: [pod(UID_A)],
    ...(token !== undefined ? { headers: { Authorization: `Bearer ${token}` } } : {}),
  });
  return res.status;
}

describe('bearer token file', () => {
  const tokenFile = join(dir, 'tokens');
  let r: RunningRelay;
  beforeAll(async () => {
    writeFileSync(tokenFile, '# node controllers\ntoken-one\n\ntoken-two\n');
    r = await startRelay(relayConfig({ SidecarURL: plugin.url, Auth: { TokenFile: tokenFile } }));
  });
  afterAll(() => r.stop());

  it('no token → 401 with a message; wrong token → 401; either configured token → 200', async () => {
    const none = await r.client.request({ method: 'GET', path: '/status', json: [pod(UID_A)] });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect((none.json() as { error: string }).error).toContain('missing "Authorization: Bearer <token>"');
    expect(await statusWith(r, 'token-three')).toBe(401);
    expect(await statusWith(r, '')).toBe(401);
    expect(await statusWith(r, 'token-on')).toBe(401);
    expect(await statusWith(r, 'token-one')).toBe(200);
    expect(await statusWith(r, 'token-two')).toBe(200);
    const basic = await r.client.request({
      method: 'GET',
      path: '/status',
      json: [],
      headers: { Authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(basic.status).toBe(401);
  });

  it('a rotated token file is picked up without a restart', async () => {
    // atomic replace, as token refreshers do
    writeFileSync(`${tokenFile}.new`, 'token-rotated\n');
    renameSync(`${tokenFile}.new`, tokenFile);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await statusWith(r, 'token-one')).toBe(401);
    expect(await statusWith(r, 'token-rotated')).toBe(200);
  });

  it('/healthz and /readyz stay open; /metrics, /openapi.json and every relay path need the token', async () => {
    for (const path of ['/healthz', '/readyz'])
      expect((await r.client.request({ method: 'GET', path })).status).toBe(200);
    for (const path of ['/metrics', '/openapi.json']) {
      expect((await r.client.request({ method: 'GET', path })).status).toBe(401);
      expect((await r.client.request({ method: 'GET', path, headers: { Authorization: 'Bearer token-rotated' } })).status).toBe(200); // the file holds the rotated token by now
    }
    for (const path of ['/create', '/status', '/delete', '/getLogs', '/pinglink', '/updateCache']) {
      expect((await r.client.request({ method: 'POST', path, body: '{}' })).status).toBe(401);
    }
  });
});

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

describe('JWT (OIDC) bearer tokens', () => {
  let key: PrivateKey;
  let otherKey: PrivateKey;
  let jwks: { keys: JWK[] };
  let r: RunningRelay;
  const issuer = 'https://iam.example.org/';

  const sign = (
    claims: Record<string, unknown>,
    opts: { key?: PrivateKey; exp?: string | number; aud?: string; iss?: string } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(opts.iss ?? issuer)
      .setAudience(opts.aud ?? 'interlink')
      .setSubject('vk-node-1')
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? '5m')
      .sign(opts.key ?? key);

  beforeAll(async () => {
    otherKey = (await generateKeyPair('ES256')).privateKey;
    const kp = await generateKeyPair('ES256', { extractable: true });
    key = kp.privateKey;
    jwks = { keys: [{ ...(await exportJWK(kp.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
    const jwksFile = join(dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify(jwks));
    r = await startRelay(
      relayConfig({
        SidecarURL: plugin.url,
        Auth: {
          JWKSFile: jwksFile,
          Issuer: issuer,
          Audience: 'interlink',
          AllowedGroups: ['vk'],
          GroupsClaim: 'groups',
        },
      }),
    );
  });
  afterAll(() => r.stop());

  it('valid token with an allowed group → 200', async () => {
    expect(await statusWith(r, await sign({ groups: ['other', 'vk'] }))).toBe(200);
  });

  it('expired, wrong issuer, foreign signature, garbage → 401', async () => {
    const expired = await r.client.request({
      method: 'GET',
      path: '/status',
      json: [],
      headers: {
        Authorization: `Bearer ${await sign({ groups: ['vk'] }, { exp: Math.floor(Date.now() / 1000) - 3600 })}`,
      },
    });
    expect(expired.status).toBe(401);
    expect((expired.json() as { error: string }).error).toBe('invalid token: expired');
    expect(await statusWith(r, await sign({ groups: ['vk'] }, { iss: 'https://evil.example/' }))).toBe(401);
    expect(await statusWith(r, await sign({ groups: ['vk'] }, { key: otherKey }))).toBe(401);
    expect(await statusWith(r, 'aaa.bbb.ccc')).toBe(401);
  });

  it('wrong audience or missing group → 403 with a reason', async () => {
    const aud = await r.client.request({
      method: 'GET',
      path: '/status',
      json: [],
      headers: { Authorization: `Bearer ${await sign({ groups: ['vk'] }, { aud: 'someone-else' })}` },
    });
    expect(aud.status).toBe(403);
    expect((aud.json() as { error: string }).error).toContain('audience');
    const group = await r.client.request({
      method: 'GET',
      path: '/status',
      json: [],
      headers: { Authorization: `Bearer ${await sign({ groups: ['users'] })}` },
    });
    expect(group.status).toBe(403);
    expect((group.json() as { error: string }).error).toContain('allowed group');
  });

  it('JWKS served from a URL: the same 401/403 matrix (expired, issuer, signature, audience, group)', async () => {
    let fetches = 0;
    const jwksServer: Server = createServer((_req, res) => {
      fetches++;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/certs`;
    const viaUrl = await startRelay(
      relayConfig({
        SidecarURL: plugin.url,
        Auth: {
          JWKSURL: url,
          Issuer: issuer,
          Audience: 'interlink',
          AllowedGroups: ['vk'],
          GroupsClaim: 'groups',
        },
      }),
    );
    const call = async (token?: string) => {
      const res = await viaUrl.client.request({
        method: 'GET',
        path: '/status',
        json: [pod(UID_A)],
        ...(token !== undefined ? { headers: { Authorization: `Bearer ${token}` } } : {}),
      });
      return { status: res.status, error: res.status === 200 ? '' : (res.json() as { error: string }).error };
    };
    try {
      expect(await call(await sign({ groups: ['vk'] }))).toEqual({ status: 200, error: '' });
      expect(fetches).toBeGreaterThanOrEqual(1);
      expect(
        await call(await sign({ groups: ['vk'] }, { exp: Math.floor(Date.now() / 1000) - 3600 })),
      ).toEqual({
        status: 401,
        error: 'invalid token: expired',
      });
      const wrongIssuer = await call(await sign({ groups: ['vk'] }, { iss: 'https://evil.example/' }));
      expect(wrongIssuer.status).toBe(401);
      expect(wrongIssuer.error).toContain('"iss"');
      expect((await call(await sign({ groups: ['vk'] }, { key: otherKey }))).status).toBe(401);
      const wrongAudience = await call(await sign({ groups: ['vk'] }, { aud: 'someone-else' }));
      expect(wrongAudience.status).toBe(403);
      expect(wrongAudience.error).toContain('audience');
      const wrongGroup = await call(await sign({ groups: ['users'] }));
      expect(wrongGroup.status).toBe(403);
      expect(wrongGroup.error).toContain('allowed group');
      expect((await call()).status).toBe(401);
    } finally {
      await viaUrl.stop();
      jwksServer.close();
    }
  });

  it('JWKS URL unavailable (refused, 500, not JSON) → 503 naming it, not 401; works again once the URL recovers', async () => {
    let mode: 'refuse' | 'error' | 'garbage' | 'ok' = 'error';
    const jwksServer: Server = createServer((req, res) => {
      if (mode === 'refuse') return void req.socket.destroy();
      if (mode === 'error') {
        res.statusCode = 500;
        return void res.end('idp down');
      }
      res.setHeader('Content-Type', 'application/json');
      res.end(mode === 'garbage' ? '<html>' : JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/certs`;
    const viaUrl = await startRelay(
      relayConfig({ SidecarURL: plugin.url, Auth: { JWKSURL: url, Audience: 'interlink' } }),
    );
    const token = await sign({});
    const call = () =>
      viaUrl.client.request({
        method: 'GET',
        path: '/status',
        json: [pod(UID_A)],
        headers: { Authorization: `Bearer ${token}` },
      });
    try {
      for (const m of ['error', 'garbage', 'refuse'] as const) {
        mode = m;
        const res = await call();
        expect(res.status, m).toBe(503);
        expect((res.json() as { error: string }).error).toContain(
          `cannot verify the token: JWKS ${url} unavailable`,
        );
      }
      // a token that is wrong regardless of the keys is still a 401
      expect(await statusWith(viaUrl, 'not-a-jwt')).toBe(401);
      mode = 'ok';
      expect((await call()).status).toBe(200);
      expect(
        viaUrl.logs.lines.some((l) => l['msg'] === 'JWKS URL unavailable; tokens cannot be verified'),
      ).toBe(true);
    } finally {
      await viaUrl.stop();
      jwksServer.close();
    }
  });

  it('a rotated JWKS file is picked up: a token signed with the new key is accepted without a restart', async () => {
    const next = await generateKeyPair('ES256', { extractable: true });
    const token = await new SignJWT({ groups: ['vk'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'k2' })
      .setIssuer(issuer)
      .setAudience('interlink')
      .setSubject('vk-node-2')
      .setExpirationTime('5m')
      .sign(next.privateKey);
    expect(await statusWith(r, token)).toBe(401);
    const rotated = {
      keys: [...jwks.keys, { ...(await exportJWK(next.publicKey)), kid: 'k2', alg: 'ES256', use: 'sig' }],
    };
    const jwksFile = join(dir, 'jwks.json');
    writeFileSync(`${jwksFile}.new`, JSON.stringify(rotated));
    renameSync(`${jwksFile}.new`, jwksFile);
    expect(await statusWith(r, token)).toBe(200);
    expect(await statusWith(r, await sign({ groups: ['vk'] }))).toBe(200); // the old key still works
  });
});

describe('mTLS', () => {
  let pki: TestPki;
  let r: RunningRelay;
  beforeAll(async () => {
    pki = createTestPki();
    r = await startRelay(
      relayConfig({
        SidecarURL: plugin.url,
        InterlinkAddress: 'https://127.0.0.1',
        TLS: { Enabled: true, CertFile: pki.serverCert, KeyFile: pki.serverKey, CACertFile: pki.caCert },
      }),
      { tls: { caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.clientKey } },
    );
  });
  afterAll(() => r.stop());

  it('a client certificate from the CA → 200, logged as the principal', async () => {
    expect(r.relay.service.url).toMatch(/^https:/);
    expect(await statusWith(r)).toBe(200);
    expect(r.logs.lines.some((l) => l['path'] === '/status' && l['principal'] === 'cert:client')).toBe(true);
  });

  it('no client certificate, or one from another CA → the handshake is refused', async () => {
    for (const tls of [
      { caFile: pki.caCert },
      { caFile: pki.caCert, certFile: pki.rogueClientCert, keyFile: pki.rogueClientKey },
    ]) {
      const client = new HttpClient({ baseUrl: r.relay.service.url, tls });
      const err = await client.request({ method: 'GET', path: '/status', json: [] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpClientError);
      client.close();
    }
  });

  it('a rotated client CA file is picked up without a restart (hot reload)', async () => {
    const caFile = join(dir, 'rotating-ca.crt');
    copyFileSync(pki.caCert, caFile);
    const rotating = await startRelay(
      relayConfig({
        SidecarURL: plugin.url,
        InterlinkAddress: 'https://127.0.0.1',
        TLS: { Enabled: true, CertFile: pki.serverCert, KeyFile: pki.serverKey, CACertFile: caFile },
      }),
      { tls: { caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.clientKey } },
    );
    const rogueStatus = async (): Promise<number | 'refused'> => {
      const client = new HttpClient({
        baseUrl: rotating.relay.service.url,
        tls: { caFile: pki.caCert, certFile: pki.rogueClientCert, keyFile: pki.rogueClientKey },
      });
      try {
        return (await client.request({ method: 'GET', path: '/status', json: [pod(UID_A)] })).status;
      } catch {
        return 'refused';
      } finally {
        client.close();
      }
    };
    try {
      expect(await rogueStatus()).toBe('refused');
      // trust the second CA as well (atomic replace, as a secret volume update does)
      writeFileSync(
        `${caFile}.new`,
        readFileSync(pki.caCert, 'utf8') + readFileSync(join(pki.dir, 'rogue-ca.crt'), 'utf8'),
      );
      renameSync(`${caFile}.new`, caFile);
      let outcome: number | 'refused' = 'refused';
      for (let i = 0; i < 40 && outcome !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        outcome = await rogueStatus();
      }
      expect(outcome).toBe(200);
      expect(await statusWith(rotating)).toBe(200); // the original CA still works
    } finally {
      await rotating.stop();
    }
  });

  it('mTLS plus a token file: both are required', async () => {
    const tokenFile = join(dir, 'mtls-tokens');
    writeFileSync(tokenFile, 'secret\n');
    const both = await startRelay(
      relayConfig({
        SidecarURL: plugin.url,
        InterlinkAddress: 'https://127.0.0.1',
        TLS: { Enabled: true, CertFile: pki.serverCert, KeyFile: pki.serverKey, CACertFile: pki.caCert },
        Auth: { TokenFile: tokenFile },
      }),
      { tls: { caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.clientKey } },
    );
    try {
      expect(await statusWith(both)).toBe(401);
      expect(await statusWith(both, 'secret')).toBe(200);
    } finally {
      await both.stop();
    }
  });
});

describe('behind an authenticating proxy (oauth2-proxy)', () => {
  const principalOf = (r: RunningRelay, session: string): unknown =>
    r.logs.lines.find((l) => l['sessionId'] === session && l['msg'] === 'request')?.['principal'];

  it('X-Forwarded-User/Email is logged as the principal only with Auth.TrustForwardedHeaders', async () => {
    const untrusted = await startRelay(relayConfig({ SidecarURL: plugin.url }));
    const trusted = await startRelay(
      relayConfig({ SidecarURL: plugin.url, Auth: { TrustForwardedHeaders: true } }),
    );
    try {
      for (const [r, session] of [
        [untrusted, 'Fwd#untrusted'],
        [trusted, 'Fwd#trusted'],
      ] as const) {
        const res = await r.client.request({
          method: 'GET',
          path: '/status',
          json: [pod(UID_A)],
          headers: { 'X-Forwarded-Email': 'alice@example.org', 'InterLink-Http-Session': session },
        });
        expect(res.status).toBe(200);
      }
      expect(principalOf(untrusted, 'Fwd#untrusted')).toBeUndefined();
      expect(principalOf(trusted, 'Fwd#trusted')).toBe('alice@example.org');
    } finally {
      await untrusted.stop();
      await trusted.stop();
    }
  });

  it('a forwarded user header does not replace the bearer token when a token file is configured', async () => {
    const tokenFile = join(dir, 'proxy-tokens');
    writeFileSync(tokenFile, 'proxy-secret\n');
    const r = await startRelay(
      relayConfig({ SidecarURL: plugin.url, Auth: { TokenFile: tokenFile, TrustForwardedHeaders: true } }),
    );
    try {
      const without = await r.client.request({
        method: 'GET',
        path: '/status',
        json: [pod(UID_A)],
        headers: { 'X-Forwarded-User': 'mallory' },
      });
      expect(without.status).toBe(401);
      const withToken = await r.client.request({
        method: 'GET',
        path: '/status',
        json: [pod(UID_A)],
        headers: {
          'X-Forwarded-User': 'bob',
          Authorization: 'Bearer proxy-secret',
          'InterLink-Http-Session': 'Fwd#token',
        },
      });
      expect(withToken.status).toBe(200);
      expect(principalOf(r, 'Fwd#token')).toBe('bob');
    } finally {
      await r.stop();
    }
  });
});
