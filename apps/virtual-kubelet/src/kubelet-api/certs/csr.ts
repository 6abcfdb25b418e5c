import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { bitString, int, octets, oid, seq, set, tlv, utf8 } from './der';

export interface CsrSubject {
  commonName: string;
  organization?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  // IPv6: expand '::' and write 8 groups.
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/**
 * A PEM PKCS#10 request signed with a fresh ECDSA P-256 key, carrying the subject and a
 * subjectAltName extension request, as the kubernetes.io/kubelet-serving signer expects
 * (O=system:nodes, CN=system:node:<name>, DNS/IP SANs).
 */
export function createCsr(subject: CsrSubject): { csrPem: string; key: KeyObject; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = seq(
    ...(subject.organization ? [set(seq(oid('2.5.4.10'), utf8(subject.organization)))] : []),
    set(seq(oid('2.5.4.3'), utf8(subject.commonName))),
  );
  const altNames = [
    ...(subject.dnsNames ?? []).map((d) => tlv(0x82, Buffer.from(d, 'ascii'))),
    ...(subject.ipAddresses ?? []).filter((ip) => isIP(ip)).map((ip) => tlv(0x87, ipBytes(ip))),
  ];
  const extensions = seq(seq(oid('2.5.29.17'), octets(seq(...altNames))));
  const attributes = tlv(0xa0, seq(oid('1.2.840.113549.1.9.14'), set(extensions)));
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const info = seq(int(0), name, spki, attributes);
  const signature = sign('sha256', info, privateKey);
  const der = seq(info, seq(oid('1.2.840.10045.4.3.2')), bitString(signature));
  const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return {
    csrPem: `-----BEGIN CERTIFICATE REQUEST-----\n${b64}-----END CERTIFICATE REQUEST-----\n`,
    key: privateKey,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
