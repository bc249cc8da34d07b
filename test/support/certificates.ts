import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';

export interface TestCertificate {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 fingerprint as TLS peers report it (`AA:BB:…`). */
  readonly fingerprint256: string;
}

/** A self-signed RSA certificate for 127.0.0.1 named CN=<name>, made by openssl into `dir`. */
export function makeCertificate(dir: string, name: string): TestCertificate {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1'], {
    stdio: 'pipe',
  });
  return { cert, key, fingerprint256: new X509Certificate(readFileSync(cert)).fingerprint256 };
}

/** The certificate a new TLS connection to 127.0.0.1:port is given (not verified: the tests' certificates are self-signed). */
export function presentedCertificate(port: number): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
      const peer = socket.getPeerCertificate();
      socket.end();
      resolve(peer);
    });
    socket.once('error', reject);
  });
}
