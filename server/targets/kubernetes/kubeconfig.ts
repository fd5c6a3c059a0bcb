/**
 * Loading the server's kubeconfig (MESHLOOM_KUBECONFIG, MESHLOOM_KUBE_CONTEXT) with
 * @kubernetes/client-node. Nothing read here — path, context name, server address, token,
 * certificates — ever appears in an error message: a message only says which setting to check.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { targetError } from '../errors';
import type { TTargetError } from '../types';

export interface TKubeconfigSettings {
  /** Path of the kubeconfig file (from the server's configuration only); absent: not configured. */
  kubeconfigPath?: string;
  /** Context to use; absent: the kubeconfig's current-context. */
  context?: string;
}

export type TLoadedKubeconfig =
  | { ok: true; kc: KubeConfig; server: URL; namespace: string; skipTLSVerify: boolean }
  | { ok: false; error: TTargetError };

export const NOT_CONFIGURED = targetError(
  'ML7001',
  'Kubernetes is not available here: no kubeconfig is configured',
  'set MESHLOOM_KUBECONFIG (and optionally MESHLOOM_KUBE_CONTEXT) in the server environment and restart it',
);

const HINT = 'check the file MESHLOOM_KUBECONFIG names on the server (kubectl --kubeconfig FILE config view) and MESHLOOM_KUBE_CONTEXT';

function invalid(message: string): { ok: false; error: TTargetError } {
  return { ok: false, error: targetError('ML7024', message, HINT) };
}

let clientModule: Promise<typeof import('@kubernetes/client-node')> | undefined;
/** @kubernetes/client-node is big: loaded on first use, not when the app starts. */
function loadClientModule(): Promise<typeof import('@kubernetes/client-node')> {
  clientModule ??= import('@kubernetes/client-node');
  return clientModule;
}

/** Reads, parses and checks the kubeconfig and selects the context. Never throws. */
export async function loadKubeconfig(settings: TKubeconfigSettings): Promise<TLoadedKubeconfig> {
  const file = settings.kubeconfigPath;
  if (!file) return { ok: false, error: NOT_CONFIGURED };
  let text: string;
  try {
    if (!(await stat(file)).isFile()) return invalid('the kubeconfig MESHLOOM_KUBECONFIG names is not a file');
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return invalid(`the kubeconfig MESHLOOM_KUBECONFIG names cannot be read (${code})`);
  }
  const { KubeConfig } = await loadClientModule();
  const kc = new KubeConfig();
  try {
    // The parser's own messages quote the file: never pass them on.
    kc.loadFromString(text);
    kc.makePathsAbsolute(path.dirname(path.resolve(file)));
  } catch {
    return invalid('the kubeconfig MESHLOOM_KUBECONFIG names is not a valid kubeconfig (YAML with clusters, users and contexts)');
  }
  if (settings.context) {
    if (!kc.getContextObject(settings.context)) return invalid('the context MESHLOOM_KUBE_CONTEXT names does not exist in the kubeconfig');
    kc.setCurrentContext(settings.context);
  } else if (!kc.getCurrentContext() || !kc.getContextObject(kc.getCurrentContext())) {
    return invalid('the kubeconfig has no (valid) current-context: set one, or name a context in MESHLOOM_KUBE_CONTEXT');
  }
  const context = kc.getContextObject(kc.getCurrentContext())!;
  const cluster = kc.getCurrentCluster();
  if (!cluster) return invalid("the kubeconfig context's cluster is not defined in the kubeconfig");
  if (context.user && !kc.getCurrentUser()) return invalid("the kubeconfig context's user is not defined in the kubeconfig");
  let server: URL;
  try {
    server = new URL(cluster.server);
  } catch {
    return invalid("the server address of the kubeconfig context's cluster is not a URL");
  }
  if (server.protocol !== 'https:' && server.protocol !== 'http:') return invalid("the server address of the kubeconfig context's cluster is not an http(s) URL");
  if (server.protocol === 'http:' && !cluster.skipTLSVerify) return invalid('a plain-http server address needs insecure-skip-tls-verify in the kubeconfig');
  return { ok: true, kc, server, namespace: context.namespace || 'default', skipTLSVerify: !!cluster.skipTLSVerify };
}
