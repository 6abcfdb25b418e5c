import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { createCsr } from './csr';
import { selfSignedCert } from './self-signed-cert-source';
import { remainingFraction } from './serving-cert';

describe('serving certificate material', () => {
  it('writes a kubelet-serving CSR that openssl verifies, with subject and SANs', () => {
    const { csrPem, keyPem } = createCsr({ commonName: 'system:node:vk-1', organization: 'system:nodes', dnsNames: ['vk-1'], ipAddresses: ['10.0.0.7', 'fd00::1', 'not-an-ip'] });
    const file = join(mkdtempSync(join(tmpdir(), 'csr-')), 'req.csr');
    writeFileSync(file, csrPem);
    const text = execFileSync('openssl', ['req', '-in', file, '-noout', '-verify', '-text'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(text).toContain('Subject: O = system:nodes, CN = system:node:vk-1');
    expect(text).toContain('DNS:vk-1, IP Address:10.0.0.7, IP Address:FD00:0:0:0:0:0:0:1');
    expect(text).toContain('ecdsa-with-SHA256');
    expect(keyPem).toContain('BEGIN PRIVATE KEY');
  });

  it('makes a self-signed server certificate for the node name and IP', () => {
    const { cert, key } = selfSignedCert('vk-1', '10.0.0.7');
    const x = new X509Certificate(cert);
    expect(x.subject).toContain('CN=system:node:vk-1');
    expect(x.subjectAltName).toContain('DNS:vk-1');
    expect(x.subjectAltName).toContain('IP Address:10.0.0.7');
    expect(key).toContain('PRIVATE KEY');
    expect(remainingFraction(cert)).toBeGreaterThan(0.99);
  });
});
