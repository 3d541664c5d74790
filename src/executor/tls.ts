// Verifying https/wss servers: the system's CAs plus, for a server whose certificate
// comes from a private CA, that CA (--ca / CRONFLEET_CA). Verification is never
// turned off; a failure says which certificate problem it was and what to do.
import { getCACertificates } from 'node:tls';

/** The CAs to trust: Node's defaults (bundled, system store, NODE_EXTRA_CA_CERTS) and `extra`. */
export function trustedCertificates(extra: string | Buffer): string[] {
  return [...getCACertificates('default'), extra.toString()];
}

/** OpenSSL's and Node's codes for a certificate that could not be verified. */
const CERTIFICATE_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** For an error from a TLS connection: why the server was not trusted and what to do; else null. */
export function certificateProblem(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !CERTIFICATE_ERRORS.has(code)) return null;
  const message = error instanceof Error ? error.message : code;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the server's TLS certificate does not name this host (${message}); use the host name the certificate was issued for`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return `the server's TLS certificate is not valid now (${message})`;
  return `the server's TLS certificate is not trusted (${message}, ${code}); if it comes from a private CA, pass that CA's certificate with --ca <pem file> (env CRONFLEET_CA)`;
}
