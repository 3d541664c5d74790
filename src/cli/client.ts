// A small REST client for the CLI: finds the server and the admin token by itself.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setDefaultCACertificates } from 'node:tls';
import { adminTokenPath } from '../api/admin-token.ts';
import { certificateProblem, trustedCertificates } from '../executor/tls.ts';

export interface ClientOptions {
  server?: string;
  token?: string;
  dataDir?: string;
  /** A PEM file with the CA that signed an https server's certificate (besides the system's CAs). */
  ca?: string;
}

export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export class ApiClient {
  readonly baseUrl: string;
  readonly #token: string | null;
  /** The Accept-Language sent, from the user's locale: the server's messages come back in it. */
  readonly #language: string | null;

  constructor(options: ClientOptions, env: NodeJS.ProcessEnv = process.env) {
    this.#language = languageOfLocale(env);
    this.baseUrl = (options.server ?? env.CRONFLEET_SERVER ?? 'http://localhost:8080').replace(/\/+$/, '');
    this.#token = options.token ?? env.CRONFLEET_ADMIN_TOKEN ?? readToken(options.dataDir ?? env.CRONFLEET_DATA_DIR ?? './data');
    const ca = options.ca ?? env.CRONFLEET_CA;
    if (ca) trustCa(ca);
  }

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.raw(method, path, body);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
      throw new CliError(error ? `${error.message} (${error.code}, HTTP ${response.status})` : `HTTP ${response.status}: ${text.slice(0, 200)}`);
    }
    return parsed as T;
  }

  async raw(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (this.#language) headers['accept-language'] = this.#language;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(`${this.baseUrl}/api/v1${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      const problem = certificateProblem(error instanceof Error ? error.cause : null);
      if (problem) throw new CliError(`cannot trust the cronfleet server at ${this.baseUrl}: ${problem}`);
      throw new CliError(`cannot reach the cronfleet server at ${this.baseUrl} (${cause}); start it with 'cronfleet up' or pass --server URL`);
    }
  }
}

/**
 * The language of the user's messages as a BCP 47 tag, from the POSIX locale variables in
 * their order of precedence (LC_ALL, LC_MESSAGES, LANG): `zh_CN.UTF-8` reads `zh-CN`,
 * `en_US.UTF-8` `en-US`; `C`, `POSIX` or nothing send no preference (English).
 */
export function languageOfLocale(env: NodeJS.ProcessEnv): string | null {
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((value) => value !== undefined && value !== '');
  const match = /^([A-Za-z]{2,3})(?:_([A-Za-z]{2}|\d{3}))?(?:[.@]|$)/.exec(locale ?? '');
  if (!match || locale === 'C' || locale === 'POSIX') return null;
  return match[2] ? `${match[1]!.toLowerCase()}-${match[2].toUpperCase()}` : match[1]!.toLowerCase();
}

/**
 * The global fetch verifies https servers against Node's default CAs; a CLI command
 * makes its requests from this one process, so adding the CA to those defaults is
 * the simplest way to make fetch trust it (fetch takes no per-request CA option).
 */
function trustCa(path: string): void {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`--ca: cannot read ${path}: ${(error as Error).message}`, 2);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new CliError(`--ca: ${path} holds no PEM certificate`, 2);
  setDefaultCACertificates(trustedCertificates(pem));
}

function readToken(dataDir: string): string | null {
  const path = adminTokenPath(resolve(dataDir));
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : null;
}
