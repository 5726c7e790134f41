// Settings of the monitoring host that fleet.yaml does not carry: where the services
// reach each other and how fast rules run. Production uses the defaults (the compose
// file's service names); tests pass loopback addresses and second-scale timings.

export interface MonitoringOptions {
  scrapeInterval: string;
  evaluationInterval: string;
  /** host:port of Alertmanager as Prometheus sees it. */
  alertmanager: string;
  /** host:port of blackbox_exporter as Prometheus sees it. */
  blackbox: string;
  /** Where blackbox_exporter finds blackbox/ (certificates of self-signed nodes). */
  blackboxDir: string;
  nodeExporterPort: number;
  /** NodeMetricsStale fires when the node script's last run is older than this. */
  staleAfterMinutes: number;
  /** Alertmanager route timings. */
  groupWait: string;
  groupInterval: string;
  repeatCritical: string;
  repeatWarning: string;
  /** Bot API base URL; the default is Telegram's own. Tests point it at a stand-in. */
  telegramApiUrl?: string;
  /** Window of rate() in bandwidth and CPU rules. */
  rateWindow: string;
}

export const DEFAULT_OPTIONS: MonitoringOptions = {
  scrapeInterval: '30s',
  evaluationInterval: '30s',
  alertmanager: 'alertmanager:9093',
  blackbox: 'blackbox:9115',
  blackboxDir: '/etc/blackbox',
  nodeExporterPort: 9100,
  staleAfterMinutes: 5,
  groupWait: '30s',
  groupInterval: '5m',
  repeatCritical: '1h',
  repeatWarning: '4h',
  rateWindow: '5m',
};

export function withDefaults(o: Partial<MonitoringOptions> = {}): MonitoringOptions {
  return { ...DEFAULT_OPTIONS, ...o };
}
