// useHosts(n): a suite's test hosts in one line, started before and stopped after it.
import { afterAll, beforeAll } from 'vitest';
import { DEFAULT_LOCK_TIMEOUT_MS } from './lock.ts';
import { startHosts, type StartOptions, type TestHosts } from './fleet.ts';

/**
 * Registers beforeAll/afterAll and returns a getter for the running hosts:
 *
 *   const fleet = useHosts(3);
 *   it('deploys', async () => { const [h1] = fleet().hosts; ... });
 *
 * The beforeAll timeout covers the lock wait (other suites may hold the hosts) plus
 * start-up, so a suite waiting its turn fails with the lock's message, not vitest's.
 */
export function useHosts(n: number, opts: StartOptions = {}): () => TestHosts {
  let fleet: TestHosts | undefined;
  beforeAll(async () => {
    fleet = await startHosts(n, opts);
  }, (opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS) + 60_000);
  afterAll(async () => {
    await fleet?.stop();
  }, 30_000);
  return () => {
    if (!fleet) throw new Error('boxfleet harness: hosts are not running (use the getter inside tests, not at collection time)');
    return fleet;
  };
}
