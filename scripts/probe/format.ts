// Text output of a probe run: one line per node, one indented line per endpoint.
import type { EndpointResult, ProbeRun } from './types.ts';

function endpointLine(e: EndpointResult): string {
  const lat = (['tcp', 'tls', 'proxy'] as const).filter((l) => e.latency_ms[l] !== undefined).map((l) => `${l} ${e.latency_ms[l]}ms`).join(', ');
  const what = e.ok && !e.error ? 'ok' : e.error ?? 'failed';
  const extra = [e.detail, e.cert_days_left !== undefined ? `cert ${e.cert_days_left}d left` : undefined, lat].filter(Boolean).join('; ');
  return `    ${e.tag.padEnd(20)} ${what.padEnd(24)} deepest=${e.deepest}${extra ? `  (${extra})` : ''}${e.address ? `  ${e.address}` : ''}`;
}

export function formatRun(run: ProbeRun): string {
  const lines = [`probe from ${run.vantage.name} (${run.vantage.region}) at ${run.time}${run.demo ? ' [DEMO secret]' : ''}`];
  for (const n of run.nodes) {
    lines.push(`  ${n.node}: ${n.state}${n.maintenance ? ' (maintenance)' : ''}`);
    for (const e of n.endpoints) lines.push(endpointLine(e));
  }
  const count = (s: string): number => run.nodes.filter((n) => n.state === s).length;
  lines.push(`${run.nodes.length} node(s): ${count('up')} up, ${count('degraded')} degraded, ${count('down')} down, ${count('unknown')} unknown`);
  return lines.join('\n');
}
