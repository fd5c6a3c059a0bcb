/**
 * SKIPPED steps for the features no behaviour step can observe on this target with the sample
 * workload and the probe — each with the precise reason, so nothing is silently left out.
 */
import { FEATURES, type TFeature } from '@/patterns/language/features';
import { haproxyCapabilities } from '@/server/adapters/haproxy/capabilities';
import { type BehaviourKit, skipped, type TPlannedStep } from './kit';

const WHY: Partial<Record<TFeature, string>> = {
  'access-log': "access logs are lines in the proxy's log: the probe observes answers and the workloads' request counts, not log lines",
  metrics: "metrics are served by the proxy's stats listener (/metrics), which is not one of the pattern's entry listeners the probe reaches",
  'egress-gateway': 'the sandbox keeps all traffic on loopback: an egress gateway renders no listener of its own (haproxy declares egress-gateway partial)',
  'external-services': 'external services have no local stand-in in the sandbox (it never leaves loopback): requests to them cannot reach a workload',
  'tls-termination': 'gateway TLS from outside: the probe sends plain HTTP and does not trust the sandbox certificate authority',
  'tls-passthrough': 'TLS passthrough carries TLS sessions from outside; the probe sends plain HTTP requests',
  tcp: 'TCP services are proxied as connections (mode tcp); the sample workload answers HTTP requests, so per-request behaviour on them is not observable',
  grpc: 'the sample workload speaks HTTP/1.1: gRPC framing and gRPC status codes are not exercised (the HTTP checks reach gRPC services over HTTP/1.1)',
};

export function unobservableSteps(_kit: BehaviourKit, features: TFeature[]): TPlannedStep[] {
  return features.map((f) => {
    const cap = haproxyCapabilities[f];
    const reason = cap.level === 'none' ? `the sandbox's HAProxy cannot express it: ${cap.note ?? 'no equivalent'} (haproxy declares ${f}: none)` : (WHY[f] ?? `no instance of it in this pattern can be exercised by the behaviour checks`);
    return skipped(`${FEATURES[f].title}`, `${FEATURES[f].title} behaves as the pattern says`, [f], reason);
  });
}
