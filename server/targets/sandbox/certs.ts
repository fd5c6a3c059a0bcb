/**
 * Certificates of a deployment, issued in-process with @peculiar/x509 (ECDSA P-256): one CA per
 * deployment (certs/ca.pem, its key in certs/ca-key.pem) and one certificate per service or
 * gateway (certs/<name>.pem: certificate then PKCS#8 key, as HAProxy's `crt` wants), CN and DNS
 * SAN = the name, usable for both server and client authentication (mTLS callers present theirs).
 */
import { webcrypto } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type TX509 = typeof import('@peculiar/x509');

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
export const CA_FILE = 'ca.pem';
export const CA_KEY_FILE = 'ca-key.pem';
const CA_NAME = 'CN=meshloom-sandbox-ca';

let x509: Promise<TX509> | undefined;

function lib(): Promise<TX509> {
  x509 ??= (async () => {
    // @peculiar/x509 resolves its internals with tsyringe, which needs the Reflect metadata API.
    await import('reflect-metadata');
    const m = await import('@peculiar/x509');
    m.cryptoProvider.set(webcrypto as unknown as Crypto);
    return m;
  })();
  return x509;
}

const pemKey = async (m: TX509, key: CryptoKey) => m.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey), 'PRIVATE KEY');
const serial = () => `01${webcrypto.getRandomValues(new Uint8Array(15)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '')}`;
const years = (n: number) => new Date(Date.now() + n * 365 * 24 * 3600 * 1000);

interface TCa {
  cert: import('@peculiar/x509').X509Certificate;
  key: CryptoKey;
}

/** The deployment's CA: read from certs/, or created there. */
async function loadOrCreateCa(dir: string): Promise<TCa> {
  const m = await lib();
  const certFile = join(dir, CA_FILE);
  const keyFile = join(dir, CA_KEY_FILE);
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = new m.X509Certificate(readFileSync(certFile, 'utf8'));
    const der = m.PemConverter.decodeFirst(readFileSync(keyFile, 'utf8'));
    const key = (await webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign'])) as unknown as CryptoKey;
    return { cert, key };
  }
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const cert = await m.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: CA_NAME,
    keys,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: years(10),
    signingAlgorithm: ALG,
    extensions: [new m.BasicConstraintsExtension(true, 0, true), new m.KeyUsagesExtension(m.KeyUsageFlags.keyCertSign | m.KeyUsageFlags.cRLSign, true)],
  });
  writeFileSync(keyFile, `${await pemKey(m, keys.privateKey)}\n`, { mode: 0o600 });
  writeFileSync(certFile, `${cert.toString('pem')}\n`);
  return { cert, key: keys.privateKey };
}

/**
 * Makes sure every file in `names` (`ca.pem`, `<service>.pem`…) exists under `dir`; returns the
 * ones it created. Existing certificates are kept: re-applies change nothing.
 */
export async function ensureCertificates(dir: string, names: string[]): Promise<string[]> {
  const caMissing = !existsSync(join(dir, CA_FILE)) || !existsSync(join(dir, CA_KEY_FILE));
  // A new CA invalidates every certificate the old one signed: issue them all again.
  const missing = caMissing ? [...new Set([CA_FILE, ...names])] : names.filter((n) => !existsSync(join(dir, n)));
  if (missing.length === 0) return [];
  const m = await lib();
  const ca = await loadOrCreateCa(dir);
  const created: string[] = missing.filter((n) => n === CA_FILE);
  for (const file of missing) {
    if (file === CA_FILE) continue;
    const cn = file.replace(/\.pem$/, '');
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
    const cert = await m.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${cn}`,
      issuer: ca.cert.subject,
      publicKey: keys.publicKey,
      signingKey: ca.key,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: years(1),
      signingAlgorithm: ALG,
      extensions: [
        new m.BasicConstraintsExtension(false, undefined, true),
        new m.KeyUsagesExtension(m.KeyUsageFlags.digitalSignature | m.KeyUsageFlags.keyAgreement, true),
        new m.ExtendedKeyUsageExtension([m.ExtendedKeyUsage.serverAuth, m.ExtendedKeyUsage.clientAuth]),
        new m.SubjectAlternativeNameExtension([{ type: 'dns', value: cn }]),
      ],
    });
    writeFileSync(join(dir, file), `${cert.toString('pem')}\n${await pemKey(m, keys.privateKey)}\n`, { mode: 0o600 });
    created.push(file);
  }
  return created;
}

/** Subject and validity of a certificate file, for plans and status. */
export function describeCertificate(cn: string): string {
  return `subject: CN=${cn}\nissuer: ${CA_NAME}\nkey: ECDSA P-256\n`;
}
