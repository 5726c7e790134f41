// Shared test-host harness: sshd hosts in network namespaces on a private bridge.
// See test/harness.test.ts for every property it guarantees.
export { startHosts, TestHosts, type StartOptions } from './fleet.ts';
export { TestHost, type ExecOptions, type ServerOptions, type SshRunOptions } from './host.ts';
export { useHosts } from './vitest.ts';
export { acquireLock, DEFAULT_LOCK_PATH, DEFAULT_LOCK_TIMEOUT_MS, type HeldLock, type LockOptions } from './lock.ts';
export { cleanStaleRuns, BASE_DIR } from './state.ts';
export { freePort, tcpProbe, waitForPort, type ProbeResult } from './tcp.ts';
export { procState, isAlive, type RunResult } from './proc.ts';
export { muxMasters, sshSpy, stopMuxMasters, type MuxMaster } from './mux.ts';
export { makeRelease, serveReleases, type Release, type ReleaseServer } from './release.ts';
export { makeTestCa, type TestCa } from './testca.ts';
export { startTlsRelay, startTlsSite } from './tls-site.ts';
export { startSniCensor, type SniCensor } from './sni-censor.ts';
export { PEBBLE_DIRECTORY, startPebble, trustPebble, type Pebble } from './pebble.ts';
