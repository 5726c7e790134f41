// Small helpers shared by the monitoring suites: render a fleet into a temp dir and run
// the real Debian checkers on it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Fleet } from '../../scripts/model/types.ts';
import type { MonitoringOptions } from '../../scripts/monitoring/options.ts';
import { renderMonitoring } from '../../scripts/monitoring/render.ts';
import { writeTree } from '../../scripts/monitoring/write.ts';
import { run, type RunResult } from '../harness/proc.ts';

export interface Rendered { dir: string; files: Map<string, string>; read(p: string): string; remove(): void }

export function renderTo(fleet: Fleet, opts: Partial<MonitoringOptions> = {}): Rendered {
  const dir = mkdtempSync(join(tmpdir(), 'boxfleet-monout-'));
  // blackbox reads ca_file from its own directory: point it at this one.
  const files = renderMonitoring(fleet, { blackboxDir: join(dir, 'blackbox'), ...opts });
  writeTree(dir, files);
  return { dir, files, read: (p) => readFileSync(join(dir, p), 'utf8'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function ok(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> {
  const r = await run(cmd, args, { timeoutMs: opts.timeoutMs ?? 30_000 });
  expect(r.code, `${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

/** Every static check of the monitoring host's files with the real tools. */
export async function checkAll(r: Rendered): Promise<void> {
  const config = await ok('promtool', ['check', 'config', join(r.dir, 'prometheus/prometheus.yml')]);
  expect(config.stdout).toContain('SUCCESS: 2 rule files found');
  await ok('promtool', ['check', 'rules', join(r.dir, 'prometheus/rules/alerts.yml'), join(r.dir, 'prometheus/rules/limits.yml')]);
  await ok('amtool', ['check-config', join(r.dir, 'alertmanager/alertmanager.yml')]);
  await ok('prometheus-blackbox-exporter', ['--config.check', `--config.file=${join(r.dir, 'blackbox/blackbox.yml')}`]);
}

export async function routeOf(configFile: string, labels: Record<string, string>): Promise<string> {
  const r = await ok('amtool', ['config', 'routes', 'test', `--config.file=${configFile}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
  return r.stdout.trim();
}
