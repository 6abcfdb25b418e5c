import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync } from 'node:fs';
import { createHttpService, createTestPki, HttpClient, HttpClientError, type HttpService, type TestPki } from '../src';
import { captureLogger } from './helpers';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});

describe('TLS', () => {
  let service: HttpService;
  beforeAll(async () => {
    service = createHttpService({
      name: 'tls',
      listen: 'https://127.0.0.1:0',
      tls: { certFile: pki.serverCert, keyFile: pki.serverKey },
      logger: captureLogger().logger,
    });
    service.route('/status', async (ctx) => ctx.sendJson(200, await ctx.json()));
    await service.start();
  });
  afterAll(() => service.stop());

  it('serves HTTPS to a client trusting the CA, GET with body', async () => {
    const client = new HttpClient({ baseUrl: service.url, tls: { caFile: pki.caCert } });
    expect(service.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect((await client.request({ method: 'GET', path: '/status', json: [1] })).json()).toEqual([1]);
    client.close();
  });

  it('a client without the CA fails verification; insecureSkipVerify connects', async () => {
    const untrusting = new HttpClient({ baseUrl: service.url });
    await expect(untrusting.request({ method: 'GET', path: '/healthz' })).rejects.toBeInstanceOf(HttpClientError);
    untrusting.close();
    const insecure = new HttpClient({ baseUrl: service.url, tls: { insecureSkipVerify: true } });
    expect((await insecure.request({ method: 'GET', path: '/healthz' })).status).toBe(200);
    insecure.close();
  });
});

describe('mTLS', () => {
  let service: HttpService;
  beforeAll(async () => {
    service = createHttpService({
      name: 'mtls',
      listen: 'https://127.0.0.1:0',
      tls: { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert },
      logger: captureLogger().logger,
      authenticate: async (req) => {
        const cert = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
        return { ok: true, principal: String(cert.subject?.CN) };
      },
    });
    service.route('/who', (ctx) => ctx.send(200, ctx.principal ?? '?'));
    await service.start();
  });
  afterAll(() => service.stop());

  it('accepts a client certificate signed by the CA', async () => {
    const client = new HttpClient({ baseUrl: service.url, tls: { caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.clientKey } });
    expect((await client.request({ method: 'GET', path: '/who' })).text()).toBe('client');
    client.close();
  });

  it('refuses a client without a certificate and one from another CA', async () => {
    for (const tls of [{ caFile: pki.caCert }, { caFile: pki.caCert, certFile: pki.rogueClientCert, keyFile: pki.rogueClientKey }]) {
      const client = new HttpClient({ baseUrl: service.url, tls });
      const err = await client.request({ method: 'GET', path: '/who' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpClientError);
      expect((err as HttpClientError).kind).toBe('transport');
      client.close();
    }
  });

  it('reloadTls picks up a replaced certificate without restarting', async () => {
    // Swap in a new server certificate file; clients pinned to the same CA keep working.
    const other = createTestPki();
    copyFileSync(other.serverCert, pki.serverCert);
    copyFileSync(other.serverKey, pki.serverKey);
    service.reloadTls();
    const oldCa = new HttpClient({ baseUrl: service.url, tls: { caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.clientKey } });
    await expect(oldCa.request({ method: 'GET', path: '/who' })).rejects.toBeInstanceOf(HttpClientError);
    oldCa.close();
    const newCa = new HttpClient({ baseUrl: service.url, tls: { caFile: other.caCert, certFile: pki.clientCert, keyFile: pki.clientKey } });
    expect((await newCa.request({ method: 'GET', path: '/who' })).text()).toBe('client');
    newCa.close();
  });
});
