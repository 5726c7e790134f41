// One node's deploy, in the order that keeps the old config running unless the new one is
// proven healthy: lock → [a new sing-box: upload the pinned release, install it with the
// signed pin (the node checks the live config with it, keeps the previous binary, restarts
// and verifies, and restores the binary itself if that fails)] → upload (hash-checked) →
// apply on the node (check a root-owned copy, keep previous, atomic rename, firewall,
// restart, new main PID that binds every port and stays up; the node rolls itself back if
// that fails) → health from here → rollback of config and binary if unhealthy → marker
// only after success → unlock.
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

/** A sing-box upgrade (or downgrade) to roll out with the config. */
export interface BinaryChange {
  version: string;
  /** install-singbox's VERSION ARCH SHA256 SIGNATURE. */
  pin: string[];
  tarball(): Promise<Buffer>;
}

export interface NodeDeployOptions {
  commit: string;
  /** Set when the node runs another sing-box version than fleet.yaml pins. */
  binary?: BinaryChange;
  /** False when only the binary changes (the node already runs the rendered config). */
  configChanged?: boolean;
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
  const uploads: string[] = [];
  let installed = false;
  try {
    const m = await lock.waitFor(/^locked ([0-9a-f]{32})$/m);
    if (!m) {
      const end = await lock.end();
      return fail('failed', `not deployed: ${lastLine(end.stderr) || 'could not take the deploy lock'}`);
    }
    const token = m[1]!;
    // After a new binary went in, any failure also brings the previous binary back.
    const undoBinary = async (why: string, outcome: Outcome = 'failed'): Promise<Omit<NodeResult, 'ms'>> => {
      if (!installed) return fail(outcome, why);
      const rb = await session.node(['rollback-singbox', '--token', token]);
      return rb.code === 0 ? fail('rolled back', `${why}; previous sing-box restored`) : fail('failed', `${why}; restoring the previous sing-box failed too: ${lastLine(rb.stderr)}`);
    };
    if (opts.binary) {
      step = 'upload of sing-box';
      const tb = await session.upload(await opts.binary.tarball());
      uploads.push(tb);
      step = 'install of sing-box';
      const inst = await session.node(['install-singbox', tb, ...opts.binary.pin, '--token', token]);
      if (inst.code === 10) return fail('failed', `the live config does not pass sing-box ${opts.binary.version} check, nothing changed: ${lastLine(inst.stderr)}`);
      if (inst.code === 11) return fail('rolled back', `sing-box ${opts.binary.version} did not start (${lastLine(inst.stderr.replace(/.*restoring the previous binary\n?/, ''))}); previous binary running`);
      if (inst.code !== 0) return fail('failed', `installing sing-box ${opts.binary.version} failed (exit ${inst.code}): ${lastLine(inst.stderr)}`);
      installed = true;
    }
    if (opts.configChanged !== false) {
      step = 'upload';
      const bytes = Buffer.from(r.config, 'utf8');
      const uploaded = await session.upload(bytes, undefined, opts.truncateUpload ? { sendOnly: Math.floor(bytes.length / 2) } : {});
      uploads.push(uploaded);
      step = 'apply';
      const apply = await session.node(['apply', uploaded, '--sha256', r.sha256, '--token', token]);
      if (apply.code === 10) return undoBinary(`sing-box check failed, nothing swapped: ${lastLine(apply.stderr)}`);
      if (apply.code === 11) return undoBinary(`new config did not start (${lastLine(apply.stderr.replace(/.*rolling back\n?/, '')) || 'see the node log'}); rolled back, old config running`, 'rolled back');
      if (apply.code !== 0) return undoBinary(`apply failed (exit ${apply.code}): ${lastLine(apply.stderr)}`);
    }
    step = 'health';
    const ports = await session.node(['ports']);
    const problems = await checkHealth(r.node, udpPortsOf(ports.stdout), opts.healthTimeoutMs);
    if (problems.length > 0) {
      const what = problems.map((p) => `${p.inbound}: ${p.problem}`).join('; ');
      step = 'rollback';
      if (opts.configChanged !== false) {
        const rb = await session.node(['rollback', '--token', token]);
        if (rb.code !== 0) return fail('failed', `unhealthy after restart (${what}); rollback failed too: ${lastLine(rb.stderr)}`);
      }
      if (installed) return undoBinary(`unhealthy after restart (${what}); config rolled back`, 'rolled back');
      return fail('rolled back', `unhealthy after restart (${what}); rolled back, old config running`);
    }
    step = 'marker';
    const w = await session.node(['write-marker', '--sha256', r.sha256, '--commit', opts.commit, '--deployed-at', opts.now.toISOString(), '--token', token]);
    if (w.code !== 0) return fail('failed', `deployed but the marker was not written: ${lastLine(w.stderr)}`);
    return { node, outcome: 'deployed', detail: 'deployed' };
  } catch (e) {
    const msg = e instanceof SshError ? `connection lost during ${step}: ${e.message}` : `${step} failed: ${(e as Error).message}`;
    // Before apply nothing on the node changed; during apply the node finishes or rolls back by itself.
    return fail('failed', step === 'upload' || step === 'lock' ? `${msg}; nothing swapped` : msg);
  } finally {
    if (uploads.length) await session.run(`rm -f ${uploads.map(sq).join(' ')}`).catch(() => undefined);
    await lock.end().catch(() => undefined);
  }
}
