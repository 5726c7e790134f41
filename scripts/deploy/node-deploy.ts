// One node's deploy, in the order that keeps the old config running unless the new one is
// proven healthy: lock → upload (hash-checked) → apply on the node (check a root-owned
// copy, keep previous, atomic rename, firewall, restart, new main PID that binds every
// port and stays up; the node rolls itself back if that fails) → health from here →
// rollback if unhealthy → marker only after success → unlock.
import { checkHealth, udpPortsOf } from './health.ts';
import type { Rendered } from './inputs.ts';
import { sq, SshError, type Session } from './ssh.ts';

export type Outcome = 'unchanged' | 'deployed' | 'rolled back' | 'failed' | 'unreachable' | 'skipped' | 'would deploy';

export interface NodeResult {
  node: string;
  outcome: Outcome;
  /** One line, already redacted. */
  detail: string;
  ms: number;
}

export interface NodeDeployOptions {
  commit: string;
  now: Date;
  redact(text: string): string;
  /** Fault injection for tests: upload only half of the bytes to these nodes. */
  truncateUpload?: boolean;
  healthTimeoutMs?: number;
}

const lastLine = (text: string): string => text.trim().split('\n').filter(Boolean).pop() ?? '';

export async function deployNode(session: Session, r: Rendered, opts: NodeDeployOptions): Promise<Omit<NodeResult, 'ms'>> {
  const node = r.node.name;
  const fail = (outcome: Outcome, detail: string): Omit<NodeResult, 'ms'> => ({ node, outcome, detail: opts.redact(detail) });
  const lock = session.hold(['lock']);
  let step = 'lock';
  let uploaded: string | undefined;
  try {
    const m = await lock.waitFor(/^locked ([0-9a-f]{32})$/m);
    if (!m) {
      const end = await lock.end();
      return fail('failed', `not deployed: ${lastLine(end.stderr) || 'could not take the deploy lock'}`);
    }
    const token = m[1]!;
    step = 'upload';
    const bytes = Buffer.from(r.config, 'utf8');
    uploaded = await session.upload(bytes, undefined, opts.truncateUpload ? { sendOnly: Math.floor(bytes.length / 2) } : {});
    step = 'apply';
    const apply = await session.node(['apply', uploaded, '--sha256', r.sha256, '--token', token]);
    if (apply.code === 10) return fail('failed', `sing-box check failed, nothing swapped: ${lastLine(apply.stderr)}`);
    if (apply.code === 11) return fail('rolled back', `new config did not start (${lastLine(apply.stderr.replace(/.*rolling back\n?/, '')) || 'see the node log'}); rolled back, old config running`);
    if (apply.code !== 0) return fail('failed', `apply failed (exit ${apply.code}): ${lastLine(apply.stderr)}`);
    step = 'health';
    const ports = await session.node(['ports']);
    const problems = await checkHealth(r.node, udpPortsOf(ports.stdout), opts.healthTimeoutMs);
    if (problems.length > 0) {
      const what = problems.map((p) => `${p.inbound}: ${p.problem}`).join('; ');
      step = 'rollback';
      const rb = await session.node(['rollback', '--token', token]);
      if (rb.code === 0) return fail('rolled back', `unhealthy after restart (${what}); rolled back, old config running`);
      return fail('failed', `unhealthy after restart (${what}); rollback failed too: ${lastLine(rb.stderr)}`);
    }
    step = 'marker';
    const marker = JSON.stringify({ config_sha256: r.sha256, commit: opts.commit, deployed_at: opts.now.toISOString() });
    const w = await session.node(['write-marker', marker, '--token', token]);
    if (w.code !== 0) return fail('failed', `deployed but the marker was not written: ${lastLine(w.stderr)}`);
    return { node, outcome: 'deployed', detail: 'deployed' };
  } catch (e) {
    const msg = e instanceof SshError ? `connection lost during ${step}: ${e.message}` : `${step} failed: ${(e as Error).message}`;
    // Before apply nothing on the node changed; during apply the node finishes or rolls back by itself.
    return fail('failed', step === 'upload' || step === 'lock' ? `${msg}; nothing swapped` : msg);
  } finally {
    if (uploaded) await session.run(`rm -f ${sq(uploaded)}`).catch(() => undefined);
    await lock.end().catch(() => undefined);
  }
}
