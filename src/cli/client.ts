// A small REST client for the CLI: finds the server and the admin token by itself.
// Requests go through node:http (node:https for an https server, loaded only then), not
// the global fetch: a CLI call makes one or two requests, and loading fetch's HTTP stack
// took longer than all the rest of a call (issue 17: one call within 3x a bare Node start).
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { resolve } from 'node:path';
import { adminTokenPath } from '../api/admin-token.ts';
import { CliError } from './cli-error.ts';
import { languageOfLocale, say } from './cli-messages.ts';

export { languageOfLocale };

export interface ClientOptions {
  server?: string;
  token?: string;
  dataDir?: string;
  /** A PEM file with the CA that signed an https server's certificate (besides the system's CAs). */
  ca?: string;
}

/** An answer whose body is read by the caller: at once (text) or as it streams (body). */
interface RawResponse {
  status: number;
  ok: boolean;
  body: AsyncIterable<Buffer>;
  text(): Promise<string>;
}

export class ApiClient {
  readonly baseUrl: string;
  readonly #token: string | null;
  /** The Accept-Language sent, from the user's locale: the server's messages come back in it. */
  readonly #language: string | null;
  /** The --ca certificate, added to the trusted ones before the first request. */
  #ca: string | null;

  constructor(options: ClientOptions, env: NodeJS.ProcessEnv = process.env) {
    this.#language = languageOfLocale(env);
    this.baseUrl = (options.server ?? env.CRONFLEET_SERVER ?? 'http://localhost:8080').replace(/\/+$/, '');
    this.#token = options.token ?? nonEmpty(env.CRONFLEET_TOKEN) ?? nonEmpty(env.CRONFLEET_ADMIN_TOKEN) ?? readToken(options.dataDir ?? env.CRONFLEET_DATA_DIR ?? './data');
    const ca = options.ca ?? env.CRONFLEET_CA;
    this.#ca = ca ? readCa(ca) : null;
  }

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.raw(method, path, body);
    const text = await response.text();
    if (response.status === 204) return undefined as T;
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
      const message = error ? `${error.message} (${error.code}, HTTP ${response.status})` : `HTTP ${response.status}: ${text.slice(0, 200)}`;
      // A 401 is the CLI's own set-up problem more often than not: say how to pass a token.
      throw new CliError(response.status === 401 ? `${message}\n${say('client.tokenHint')}` : message);
    }
    return parsed as T;
  }

  async raw(method: string, path: string, body?: unknown): Promise<RawResponse> {
    const headers: Record<string, string> = {};
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (this.#language) headers['accept-language'] = this.#language;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    let response: IncomingMessage;
    try {
      const url = new URL(`${this.baseUrl}/api/v1${path}`);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${url.protocol} is not http: or https:`);
      if (url.protocol === 'https:') await this.#trustCa();
      // getBuiltinModule, not import(): the ESM namespace of node:http reads every export,
      // and one of them loads fetch's HTTP stack, the very cost this client avoids.
      const { request } = url.protocol === 'https:' ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
      response = await new Promise<IncomingMessage>((done, fail) => {
        const outgoing = request(url, { method, headers }, done);
        outgoing.once('error', fail);
        outgoing.end(payload);
      });
    } catch (error) {
      const { certificateProblem } = await import('../executor/tls.ts');
      const problem = certificateProblem(error);
      if (problem) throw new CliError(`cannot trust the cronfleet server at ${this.baseUrl}: ${problem}`);
      throw new CliError(`cannot reach the cronfleet server at ${this.baseUrl} (${error instanceof Error ? error.message : String(error)}); start it with 'cronfleet up' or pass --server URL`);
    }
    const status = response.statusCode ?? 0;
    return {
      status,
      ok: status >= 200 && status < 300,
      body: response,
      async text() {
        let text = '';
        response.setEncoding('utf8');
        for await (const chunk of response) text += chunk as string;
        return text;
      },
    };
  }

  /**
   * An https request verifies the server against Node's default CAs; a CLI command makes
   * its requests from this one process, so adding the --ca certificate to those defaults
   * makes every request trust it.
   */
  async #trustCa(): Promise<void> {
    if (this.#ca === null) return;
    const { setDefaultCACertificates } = process.getBuiltinModule('node:tls');
    const { trustedCertificates } = await import('../executor/tls.ts');
    setDefaultCACertificates(trustedCertificates(this.#ca));
    this.#ca = null;
  }
}

/** The --ca file's certificate(s), read when the command starts: a bad file is a usage error before any request. */
function readCa(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`--ca: cannot read ${path}: ${(error as Error).message}`, 2);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new CliError(`--ca: ${path} holds no PEM certificate`, 2);
  return pem;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function readToken(dataDir: string): string | null {
  const path = adminTokenPath(resolve(dataDir));
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : null;
}
