// Signed requests between the server and an HTTP executor (README → HTTP executors).
// Both directions use the executor's callback secret, so the secret never travels after
// registration:
//   X-Cronfleet-Executor:  <executor id>
//   X-Cronfleet-Timestamp: <unix seconds>
//   X-Cronfleet-Nonce:     <16 to 64 of [A-Za-z0-9_-], new for every request>
//   X-Cronfleet-Signature: v2=<hex HMAC-SHA256(secret, string to sign)>
// where the string to sign is these lines joined by "\n", the raw body last:
//   v2, METHOD, route, executor id, execution id, timestamp, nonce, raw body
//
// Why each part is signed: the route (a fixed name, not the URL text, which a proxy may
// prefix) so a signature of one kind of message (a /stop) is never valid for another (a
// /run, a callback); the execution id so a callback about one execution cannot be moved
// to another one of the same executor; the timestamp so a captured request is refused
// once it is older than the tolerance; the nonce so it is refused even within it (the
// receiver remembers the nonces it accepted, for as long as their timestamp is valid).
// No field but the body may hold a line break, so the lines cannot be shifted.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADERS = {
  executor: 'x-cronfleet-executor',
  timestamp: 'x-cronfleet-timestamp',
  nonce: 'x-cronfleet-nonce',
  signature: 'x-cronfleet-signature',
} as const;

/** How far a signed request's timestamp may be from the receiver's clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** The routes a signature can be made for; each names one kind of message. */
const SIGNED_ROUTES = {
  /** Server → executor: run an execution. */
  run: { method: 'POST', route: '/run' },
  /** Server → executor: stop, kill or time out an execution. */
  stop: { method: 'POST', route: '/stop' },
  /** Executor → server: a report on an execution. */
  callback: { method: 'POST', route: '/api/v1/executions/{id}/callback' },
  /** Server → webhook channel: an alert (the channel id and the alert id take the executor's and the execution's places). */
  alert: { method: 'POST', route: 'alert' },
} as const;

export type SignedRoute = keyof typeof SIGNED_ROUTES;

export interface SignedMessage {
  route: SignedRoute;
  executorId: string;
  executionId: string;
  /** Unix seconds. */
  timestamp: number;
  nonce: string;
  body: string | Buffer;
}

const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
/** Ids are printable ASCII without spaces: nothing that could split a line of the string to sign. */
const ID = /^[\x21-\x7e]{1,128}$/;

export function isValidNonce(nonce: string): boolean {
  return NONCE.test(nonce);
}

export function isValidSignedId(id: string): boolean {
  return ID.test(id);
}

/** A new nonce: 128 random bits, hex. */
export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

/** The X-Cronfleet-Signature value of a message. */
export function signMessage(secret: string, message: SignedMessage): string {
  const { method, route } = SIGNED_ROUTES[message.route];
  const head = ['v2', method, route, message.executorId, message.executionId, String(message.timestamp), message.nonce, ''].join('\n');
  return `v2=${createHmac('sha256', secret).update(head).update(message.body).digest('hex')}`;
}

/** True when `presented` is the signature of `message` (compared in constant time). */
export function signatureMatches(secret: string, message: SignedMessage, presented: string): boolean {
  const expected = Buffer.from(signMessage(secret, message));
  const given = Buffer.from(presented.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The four headers of a message signed now with a new nonce. */
export function signedHeaders(secret: string, message: Omit<SignedMessage, 'timestamp' | 'nonce'>, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const nonce = newNonce();
  return {
    [SIGNATURE_HEADERS.executor]: message.executorId,
    [SIGNATURE_HEADERS.timestamp]: String(timestamp),
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: signMessage(secret, { ...message, timestamp, nonce }),
  };
}
