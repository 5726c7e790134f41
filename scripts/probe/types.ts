// The probe's vocabulary: what it checks (a target: the client facts of one inbound for the
// probe user) and what it records (layers reached, an error class, latencies). The status
// store's JSON Schema mirrors EndpointResult, so change both together.
import type { Endpoint } from '../render/endpoint.ts';
import type { InboundType } from '../model/types.ts';

/** Layers in the order they are checked; `deepest` is the last one that succeeded. */
export type Layer = 'none' | 'tcp' | 'tls' | 'proxy';
export const LAYERS: readonly Layer[] = ['none', 'tcp', 'tls', 'proxy'];

export type ErrorClass =
  | 'refused' | 'timeout' | 'tls-error' | 'auth-rejected-or-silent' | 'bad-response' | 'not-probed' | 'error';

/**
 * Everything a client needs for one inbound, as the probe user. Built from endpointsOf()
 * (with the secret) or read from the probe manifest (without it): one shape for both, so
 * the two paths cannot probe different things.
 */
export interface ProbeTarget extends Omit<Endpoint, 'node' | 'inbound' | 'label'> {
  node: string;
  /** The node's region and maintenance flag travel along for the status store. */
  region: string;
  maintenance: boolean;
  tag: string;
  type: InboundType;
}

export interface EndpointResult {
  node: string;
  tag: string;
  type: InboundType;
  /** Only when fleet.yaml alerts.show_addresses is true. */
  address?: string;
  deepest: Layer;
  ok: boolean;
  /** Absent when ok. */
  error?: ErrorClass;
  /** Human reason: "certificate has expired", "needs the sing-box binary", ... */
  detail?: string;
  /** Milliseconds per layer that was attempted and finished. */
  latency_ms: { tcp?: number; tls?: number; proxy?: number };
  /** Days until the served certificate expires (negative when expired); not for Reality. */
  cert_days_left?: number;
  /** HTTP status of the probe URL through the proxy. */
  http_status?: number;
}

export type NodeState = 'up' | 'degraded' | 'down' | 'unknown';

export interface NodeResult {
  node: string;
  region: string;
  maintenance: boolean;
  state: NodeState;
  endpoints: EndpointResult[];
}

export interface ProbeRun {
  schema_version: 1;
  /** ISO time the run started (the pinned --now). */
  time: string;
  vantage: { name: string; region: string };
  probe_url_host: string;
  timeout_ms: number;
  duration_ms: number;
  demo: boolean;
  nodes: NodeResult[];
  /** MAC with the vantage's key (status/signature.ts); status push and merge require it. */
  signature?: { alg: 'hmac-sha256-v1'; mac: string };
}

/** Thrown inside a layer to classify a failure. */
export class ProbeFailure extends Error {
  /**
   * `closed`: the far side closed the stream without a byte of answer (not a timeout, not a
   * wrong answer), which a client's own race can cause as well as a refusal.
   */
  constructor(readonly cls: ErrorClass, readonly detail?: string, readonly closed = false) {
    super(detail ? `${cls}: ${detail}` : cls);
    this.name = 'ProbeFailure';
  }
}
