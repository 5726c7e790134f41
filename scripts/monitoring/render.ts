// Every file of the monitoring host, as relative path → content. Pure: the same fleet
// and options give the same bytes (no timestamps, no secrets).
import type { Fleet } from '../model/types.ts';
import { renderAlertmanager, renderTemplate, TEMPLATE_FILE } from './alertmanager.ts';
import { blackboxCerts, renderBlackbox } from './blackbox.ts';
import { renderCompose } from './compose.ts';
import { fleetDashboard } from './dashboard.ts';
import { renderDashboardProviders, renderDatasources } from './grafana.ts';
import { withDefaults, type MonitoringOptions } from './options.ts';
import { NODE_TARGETS, PROBE_TARGETS, renderPrometheus } from './prometheus.ts';
import { renderAlertRules, renderLimitRules } from './rules.ts';
import { nodeExporterTargets, probeTargets } from './targets.ts';
import { toJson } from './yaml.ts';
import { byText } from '../core/order.ts';

export function renderMonitoring(fleet: Fleet, options: Partial<MonitoringOptions> = {}): Map<string, string> {
  const opts = withDefaults(options);
  const files = new Map<string, string>([
    ['prometheus/prometheus.yml', renderPrometheus(fleet, opts)],
    [`prometheus/${NODE_TARGETS}`, toJson(nodeExporterTargets(fleet, opts))],
    [`prometheus/${PROBE_TARGETS}`, toJson(probeTargets(fleet))],
    ['prometheus/rules/alerts.yml', renderAlertRules(fleet, opts)],
    ['prometheus/rules/limits.yml', renderLimitRules(fleet)],
    ['alertmanager/alertmanager.yml', renderAlertmanager(fleet, opts)],
    [`alertmanager/${TEMPLATE_FILE}`, renderTemplate()],
    ['blackbox/blackbox.yml', renderBlackbox(fleet, opts)],
    ['grafana/provisioning/datasources/boxfleet.yml', renderDatasources()],
    ['grafana/provisioning/dashboards/boxfleet.yml', renderDashboardProviders()],
    ['grafana/dashboards/fleet.json', toJson(fleetDashboard(fleet.settings.name))],
    ['docker-compose.yml', renderCompose()],
  ]);
  for (const [path, content] of blackboxCerts(fleet)) files.set(`blackbox/${path}`, content);
  return new Map([...files].sort(([a], [b]) => byText(a, b)));
}
