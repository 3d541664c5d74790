// Sending one message to one channel, in its receiver's own wire format:
// - webhook: a JSON POST; with a `secret`, signed as our HTTP-executor messages are
//   (protocol/request-signing.ts, route "alert"; X-Cronfleet-Channel and X-Cronfleet-Alert
//   take the executor's and the execution's places);
// - slack: an incoming webhook, {"text": …}; the answer is "ok";
// - feishu (Lark) custom bot: {"msg_type":"text",…}; with a secret, `timestamp` (seconds)
//   and `sign` = base64(HMAC-SHA256 keyed with "<timestamp>\n<secret>" over nothing);
//   the answer's code is 0;
// - dingtalk robot: {"msgtype":"text",…}; with a secret, `timestamp` (ms) and `sign` =
//   base64(HMAC-SHA256(secret, "<timestamp>\n<secret>")) in the URL; errcode 0;
// - wecom group robot: {"msgtype":"text",…}; errcode 0;
// - email: SMTP with STARTTLS required on a plain port (nodemailer).
// HTTP destinations follow the HTTP tasks' policy: link-local and cloud metadata
// addresses are refused. Redirects are not followed. Every send is bounded in time.
import { createHmac } from 'node:crypto';
import type { ChannelType } from '../protocol/enums.ts';
import { newNonce, SIGNATURE_HEADERS, signMessage } from '../protocol/request-signing.ts';
import { text } from '../protocol/messages/index.ts';
import { refusedDestination, type Resolver } from '../executor/network-policy.ts';

export interface AlertMessage {
  /** Ids the webhook signature covers. */
  channelId: string;
  alertId: string;
  title: string;
  body: string;
  /** The execution or task in the console, when public_url is known. */
  link: string | null;
  /** What a webhook receives besides the words: event, task, execution, status, times. */
  data: Record<string, unknown>;
}

/** What the receiver said. */
export interface SendOutcome {
  ok: boolean;
  /** HTTP status, or the SMTP reply code; null when nothing answered. */
  status: number | null;
  /** The receiver's answer (or why nothing was sent), cut to 2,000 characters. */
  response: string;
}

export interface SendOptions {
  timeoutMs: number;
  resolver?: Resolver;
  /** Unix milliseconds: signatures carry it. */
  now(): number;
}

const RESPONSE_LIMIT = 2000;
const cut = (value: string) => (value.length > RESPONSE_LIMIT ? `${value.slice(0, RESPONSE_LIMIT)}…` : value);

/** The plain text of a message, as chat robots show it. */
function plain(message: AlertMessage): string {
  return [message.title, message.body, message.link].filter(Boolean).join('\n');
}

export async function sendAlert(type: ChannelType, config: Record<string, unknown>, message: AlertMessage, options: SendOptions): Promise<SendOutcome> {
  try {
    if (type === 'email') return await sendEmail(config, message, options);
    const request = httpRequest(type, config, message, options.now());
    const refused = await refusedDestination(new URL(request.url), options.resolver);
    if (refused !== null) return { ok: false, status: null, response: text('channel.refusedDestination', { reason: refused }).toString() };
    const response = await fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'cronfleet', ...request.headers },
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const answer = await response.text();
    return { ok: response.ok && accepted(type, answer), status: response.status, response: cut(answer) };
  } catch (error) {
    return { ok: false, status: null, response: cut(error instanceof Error ? error.message : String(error)) };
  }
}

function httpRequest(type: Exclude<ChannelType, 'email'>, config: Record<string, unknown>, message: AlertMessage, now: number): { url: string; headers: Record<string, string>; body: string } {
  const secret = typeof config.secret === 'string' ? config.secret : null;
  switch (type) {
    case 'webhook': {
      const body = JSON.stringify({ title: message.title, text: message.body, link: message.link, ...message.data });
      const headers: Record<string, string> = { 'x-cronfleet-channel': message.channelId, 'x-cronfleet-alert': message.alertId };
      if (secret !== null) {
        const timestamp = Math.floor(now / 1000);
        const nonce = newNonce();
        headers[SIGNATURE_HEADERS.timestamp] = String(timestamp);
        headers[SIGNATURE_HEADERS.nonce] = nonce;
        headers[SIGNATURE_HEADERS.signature] = signMessage(secret, { route: 'alert', executorId: message.channelId, executionId: message.alertId, timestamp, nonce, body });
      }
      return { url: String(config.url), headers, body };
    }
    case 'slack': {
      const link = message.link ? `\n<${message.link}|${message.link}>` : '';
      return { url: String(config.webhook_url), headers: {}, body: JSON.stringify({ text: `*${message.title}*\n${message.body}${link}` }) };
    }
    case 'feishu': {
      const signing = secret === null ? {} : feishuSignature(secret, Math.floor(now / 1000));
      return { url: String(config.webhook_url), headers: {}, body: JSON.stringify({ ...signing, msg_type: 'text', content: { text: plain(message) } }) };
    }
    case 'dingtalk': {
      const url = new URL(String(config.webhook_url));
      if (secret !== null) {
        url.searchParams.set('timestamp', String(now));
        url.searchParams.set('sign', createHmac('sha256', secret).update(`${now}\n${secret}`).digest('base64'));
      }
      return { url: url.toString(), headers: {}, body: JSON.stringify({ msgtype: 'text', text: { content: plain(message) } }) };
    }
    case 'wecom':
      return { url: String(config.webhook_url), headers: {}, body: JSON.stringify({ msgtype: 'text', text: { content: plain(message) } }) };
  }
}

/** Feishu's signature: the key is "<timestamp>\n<secret>", the message empty. */
function feishuSignature(secret: string, timestampSeconds: number): { timestamp: string; sign: string } {
  return { timestamp: String(timestampSeconds), sign: createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64') };
}

/** Robots answer 200 with an error inside: only their success code is a success. */
function accepted(type: ChannelType, answer: string): boolean {
  if (type === 'webhook') return true;
  if (type === 'slack') return answer.trim() === 'ok';
  try {
    const parsed = JSON.parse(answer) as { code?: unknown; StatusCode?: unknown; errcode?: unknown };
    if (type === 'feishu') return parsed.code === 0 || parsed.StatusCode === 0;
    return parsed.errcode === 0;
  } catch {
    return false;
  }
}

async function sendEmail(config: Record<string, unknown>, message: AlertMessage, options: SendOptions): Promise<SendOutcome> {
  // Loaded on the first email, not at start: most servers never send one (issue 17, footprint).
  const { default: nodemailer } = await import('nodemailer');
  const secure = config.secure === true;
  const transport = nodemailer.createTransport({
    host: String(config.host),
    port: typeof config.port === 'number' ? config.port : secure ? 465 : 587,
    secure,
    // On a plain port the connection must upgrade with STARTTLS, or nothing is sent.
    requireTLS: !secure,
    tls: { rejectUnauthorized: config.tls_verify !== false },
    ...(typeof config.username === 'string' ? { auth: { user: config.username, pass: typeof config.password === 'string' ? config.password : '' } } : {}),
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
  });
  try {
    const info = await transport.sendMail({
      from: String(config.from),
      to: (config.to as string[]).join(', '),
      subject: message.title,
      text: [message.body, message.link].filter(Boolean).join('\n\n'),
      headers: { 'X-Cronfleet-Alert': message.alertId },
    });
    const code = Number(/^(\d{3})/.exec(info.response)?.[1] ?? NaN);
    return { ok: info.accepted.length > 0 && info.rejected.length === 0, status: Number.isNaN(code) ? null : code, response: cut(info.response) };
  } finally {
    transport.close();
  }
}
