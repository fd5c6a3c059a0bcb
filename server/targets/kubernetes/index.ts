/**
 * The Kubernetes deploy target (server-only: it reads the server's kubeconfig). Create it with
 * the server's configuration only — MESHLOOM_KUBECONFIG as `kubeconfigPath`, MESHLOOM_KUBE_CONTEXT
 * as `context` — never with anything from a request (server/targets/registry.ts does this).
 */
import 'server-only';

export { createKubernetesTarget, healthOf, type TKubernetesTargetOptions } from './target';
export { KubeError } from './client';
export { KNOWN_KINDS, crdName, providerOf } from './kinds';
