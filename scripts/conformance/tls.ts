import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Certificates {
  /** The CA the suite's and our server's certificate chain up to (NODE_EXTRA_CA_CERTS for our server). */
  caFile: string;
  ca: string;
  /** Leaf (SAN localhost, 127.0.0.1) then CA, for nginx. */
  chainFile: string;
  keyFile: string;
}

/** A throw-away CA and a localhost certificate it signs, made with openssl for one run. */
export function makeCertificates(directory: string): Certificates {
  const path = (name: string) => join(directory, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-keyout', path('ca.key'), '-out', path('ca.crt'),
    '-subj', '/CN=conformance run CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', path('localhost.key'), '-out', path('localhost.csr'), '-subj', '/CN=localhost');
  writeFileSync(path('leaf.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', path('localhost.csr'), '-CA', path('ca.crt'), '-CAkey', path('ca.key'), '-CAcreateserial', '-days', '2',
    '-out', path('localhost.crt'), '-extfile', path('leaf.ext'));
  const ca = readFileSync(path('ca.crt'), 'utf8');
  writeFileSync(path('localhost-chain.crt'), readFileSync(path('localhost.crt'), 'utf8') + ca);
  return { caFile: path('ca.crt'), ca, chainFile: path('localhost-chain.crt'), keyFile: path('localhost.key') };
}
