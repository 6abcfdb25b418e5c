import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pem {
  cert: string;
  key: string;
}

export interface TestCa extends Pem {
  /** The CA certificate on disk (for ClientCAFile). */
  certFile: string;
  /** A client certificate signed by this CA: CN is the user name, each O a group. */
  client(cn: string, groups?: string[]): Pem;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function subject(cn: string, groups: string[]): string {
  return `/CN=${cn}${groups.map((g) => `/O=${g}`).join('')}`;
}

/** A throw-away certificate authority made with the openssl CLI (independent of the code under test). */
export function createTestCa(name = 'interlink-test-ca'): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'vk-pki-'));
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  writeFileSync(
    join(dir, 'client.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
  );
  let serial = 0;
  return {
    cert: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    key: readFileSync(join(dir, 'ca.key'), 'utf8'),
    certFile: join(dir, 'ca.crt'),
    client(cn: string, groups: string[] = []): Pem {
      const base = `client-${++serial}`;
      openssl(dir, [
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        `${base}.key`,
        '-out',
        `${base}.csr`,
        '-subj',
        subject(cn, groups),
      ]);
      openssl(dir, [
        'x509',
        '-req',
        '-in',
        `${base}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-set_serial',
        String(1000 + serial),
        '-out',
        `${base}.crt`,
        '-days',
        '1',
        '-extfile',
        'client.ext',
      ]);
      return {
        cert: readFileSync(join(dir, `${base}.crt`), 'utf8'),
        key: readFileSync(join(dir, `${base}.key`), 'utf8'),
      };
    },
  };
}

/** A self-signed client certificate (its own issuer), for "not signed by the client CA" cases. */
export function selfSignedClient(cn: string, groups: string[] = []): Pem {
  const dir = mkdtempSync(join(tmpdir(), 'vk-pki-'));
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'c.key',
    '-out',
    'c.crt',
    '-days',
    '1',
    '-subj',
    subject(cn, groups),
    '-addext',
    'extendedKeyUsage=clientAuth',
  ]);
  return { cert: readFileSync(join(dir, 'c.crt'), 'utf8'), key: readFileSync(join(dir, 'c.key'), 'utf8') };
}

/** A self-signed TLS server certificate for 127.0.0.1 (test proxies). */
export function serverCert(): Pem {
  const dir = mkdtempSync(join(tmpdir(), 'vk-pki-'));
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    's.key',
    '-out',
    's.crt',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  return { cert: readFileSync(join(dir, 's.crt'), 'utf8'), key: readFileSync(join(dir, 's.key'), 'utf8') };
}
