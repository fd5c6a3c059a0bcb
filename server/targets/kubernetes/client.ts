/**
 * A small HTTP client for the Kubernetes API: node:http(s) requests authenticated the way
 * @kubernetes/client-node authenticates (bearer token, client certificate, exec plugin, …), one
 * coded error per failure, and every message scrubbed of the credentials it was sent with.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { targetError, type TTargetErrorCode } from '../errors';
import type { TTargetError } from '../types';
import { loadKubeconfig, type TKubeconfigSettings } from './kubeconfig';

/** A coded failure of a Kubernetes call (ML7xxx); its message is already scrubbed of secrets. */
export class KubeError extends Error {
  constructor(
    readonly code: TTargetErrorCode,
    message: string,
    readonly hint?: string,
    /** HTTP status, when the API server answered. */
    readonly status?: number,
    /** The Status reason (`NotFound`, `Invalid`, `Forbidden`, …). */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'KubeError';
  }

  toTargetError(): TTargetError {
    return targetError(this.code, this.message, this.hint);
  }
}

export interface TKubeRequest {
  method: 'GET' | 'PATCH' | 'DELETE' | 'POST' | 'PUT';
  /** Absolute API path, e.g. `/apis/apps/v1/namespaces/shop/deployments/cart`. */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface TKubeResponse {
  status: number;
  /** The API's JSON (an object, a list or a Status), or the text when it is not JSON. */
  body: any;
}

/** What a Kubernetes Status body carries. */
interface TStatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
}

const UNREACHABLE_HINT = "check that the cluster is running and reachable from this server, and that MESHLOOM_KUBECONFIG's context points at it";
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

export interface TKubeClientOptions extends TKubeconfigSettings {
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

export class KubeClient {
  private constructor(
    private readonly base: string,
    private readonly requestOptions: https.RequestOptions,
    private readonly secrets: string[],
    /** The context's namespace (default `default`): where namespaced objects without one go. */
    readonly defaultNamespace: string,
    private readonly timeoutMs: number,
  ) {}

  /** Loads the kubeconfig and prepares authenticated requests; throws a KubeError (ML7001/ML7024). */
  static async connect(options: TKubeClientOptions): Promise<KubeClient> {
    const loaded = await loadKubeconfig(options);
    if (!loaded.ok) throw new KubeError(loaded.error.code as TTargetErrorCode, loaded.error.message, loaded.error.hint);
    const { kc, server } = loaded;
    const requestOptions: https.RequestOptions = { headers: {} };
    const secrets = collectSecrets(kc, options.kubeconfigPath);
    try {
      // Sets the Authorization header (token, exec plugin, …), CA, client certificate and agent.
      await kc.applyToHTTPSOptions(requestOptions);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new KubeError(
        'ML7024',
        `the kubeconfig's credentials could not be loaded${code ? ` (${code})` : ''}: a certificate file, key file or credential plugin failed`,
        'check the user of the kubeconfig context MESHLOOM_KUBECONFIG names',
      );
    }
    const headers = (requestOptions.headers ?? {}) as Record<string, string | string[] | number | undefined>;
    for (const value of Object.values(headers)) if (typeof value === 'string') secrets.push(...secretForms(value));
    if (typeof requestOptions.auth === 'string') secrets.push(...secretForms(requestOptions.auth));
    for (const v of [requestOptions.key, requestOptions.cert, requestOptions.passphrase]) {
      if (typeof v === 'string') secrets.push(...secretForms(v));
      else if (Buffer.isBuffer(v)) secrets.push(...secretForms(v.toString('utf8')));
    }
    // One connection kept open for the requests of an operation (client-node's agent opens one
    // per request). Idle sockets do not keep the process alive and close after 15 s.
    if (!kc.getCurrentCluster()?.proxyUrl) {
      const { ca, cert, key, passphrase, rejectUnauthorized, servername } = requestOptions;
      const agentOptions = { keepAlive: true, maxSockets: 8, timeout: 15_000 };
      requestOptions.agent = server.protocol === 'http:' ? new http.Agent(agentOptions) : new https.Agent({ ...agentOptions, ca, cert, key, passphrase, rejectUnauthorized, servername });
    }
    const base = server.href.replace(/\/+$/, '');
    return new KubeClient(base, requestOptions, unique(secrets), loaded.namespace, options.timeoutMs ?? 30_000);
  }

  /** `text` with every credential this client sends replaced by `[redacted]`. */
  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  }

  /** One request; any HTTP status resolves, network failures reject with ML7020 (ML7005 when aborted). */
  request(req: TKubeRequest): Promise<TKubeResponse> {
    const query = Object.entries(req.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined);
    const qs = query.length ? `?${new URLSearchParams(query).toString()}` : '';
    const url = new URL(`${this.base}${req.path}${qs}`);
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    const headers: Record<string, string | number> = {
      ...(this.requestOptions.headers as Record<string, string>),
      Accept: 'application/json',
      'User-Agent': 'meshloom',
    };
    if (body !== undefined) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const mod = url.protocol === 'http:' ? http : https;
    const { agent, ca, cert, key, passphrase, rejectUnauthorized, servername, auth } = this.requestOptions;
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    return new Promise<TKubeResponse>((resolve, reject) => {
      if (req.signal?.aborted) {
        reject(cancelled());
        return;
      }
      const r = mod.request(
        url,
        { method: req.method, headers, agent, ca, cert, key, passphrase, rejectUnauthorized, servername, auth, signal: req.signal },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(this.networkError(e)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            if (text && /json/.test(String(res.headers['content-type'] ?? ''))) {
              try {
                parsed = JSON.parse(text);
              } catch {
                parsed = text;
              }
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      r.setTimeout(timeoutMs, () => r.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
      r.on('error', (e) => reject(req.signal?.aborted ? cancelled() : this.networkError(e)));
      r.setNoDelay(true);
      // Headers and body in one write.
      r.end(body);
    });
  }

  /** The coded error for an API answer that is not a success: 401 → ML7024, 403 → ML7023, 502–504 → ML7020, else ML7022. */
  statusError(res: TKubeResponse, doing: string): KubeError {
    const status = res.body && typeof res.body === 'object' ? (res.body as TStatusBody) : undefined;
    const detail = this.redact(
      (status?.message ?? (typeof res.body === 'string' && res.body.trim() ? res.body.trim().slice(0, 500) : `HTTP ${res.status}`)).trim(),
    );
    const reason = status?.reason;
    if (res.status === 401) {
      return new KubeError('ML7024', `the API server did not accept the kubeconfig's credentials (401 Unauthorized) while ${doing}`, 'renew the credentials of the kubeconfig context (token, certificate or credential plugin)', 401, reason);
    }
    if (res.status === 403) {
      return new KubeError('ML7023', `forbidden while ${doing}: ${detail}`, 'grant the kubeconfig user these rights (RBAC), or use a context that has them', 403, reason);
    }
    if (res.status === 502 || res.status === 503 || res.status === 504) {
      return new KubeError('ML7020', `the Kubernetes API server is unavailable (HTTP ${res.status}) while ${doing}: ${detail}`, UNREACHABLE_HINT, res.status, reason);
    }
    return new KubeError('ML7022', `the API server rejected ${doing}: ${detail}`, undefined, res.status, reason);
  }

  private networkError(e: unknown): KubeError {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).name ?? 'error';
    if (TLS_CODES.has(code)) {
      return new KubeError('ML7020', `the Kubernetes API server is unreachable: its TLS certificate was not accepted (${code})`, "check the certificate-authority of the kubeconfig context's cluster");
    }
    return new KubeError('ML7020', `the Kubernetes API server is unreachable (${this.redact(code)})`, UNREACHABLE_HINT);
  }
}

export function cancelled(): KubeError {
  return new KubeError('ML7005', 'the operation was cancelled');
}

/** Every credential string of the current user, in the forms it could show up in. */
function collectSecrets(kc: KubeConfig, kubeconfigPath?: string): string[] {
  const out: string[] = [];
  const user = kc.getCurrentUser();
  if (user) {
    for (const v of [user.token, user.password, user.certData, user.keyData]) if (v) out.push(...secretForms(v));
  }
  const cluster = kc.getCurrentCluster();
  if (cluster?.caData) out.push(...secretForms(cluster.caData));
  if (kubeconfigPath) out.push(kubeconfigPath);
  return out;
}

/** A secret as given, its base64 / decoded forms, and the value after `Bearer ` / `Basic `. */
function secretForms(value: string): string[] {
  const out = [value];
  const scheme = /^(Bearer|Basic)\s+(.+)$/i.exec(value);
  if (scheme) out.push(scheme[2]!);
  out.push(Buffer.from(value, 'utf8').toString('base64'));
  if (/^[A-Za-z0-9+/=\s]+$/.test(value) && value.length >= 16) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    if (/^[\x20-\x7e\r\n]+$/.test(decoded)) out.push(decoded.trim());
  }
  // Too short to be a credential: would redact ordinary words.
  return out.filter((s) => s.length >= 8);
}

function unique(values: string[]): string[] {
  // Longest first, so a value containing another is replaced whole.
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}
