// Bounded TCP probes from the root namespace to test hosts (readiness, black-hole checks).

export { freeLoopbackPort as freePort } from '../../scripts/probe/net.ts';
export { tcpProbe, waitForPort, type ProbeResult } from '../../scripts/core/net.ts';

