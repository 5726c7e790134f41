// Commands of the monitoring stage: generate the monitoring host's files, deploy them.
import type { Command } from '../types.ts';

export const commands: Command[] = [
  {
    name: 'monitoring',
    summary: 'generate Prometheus, Alertmanager, blackbox and Grafana files for the monitoring host',
    options: [{ name: 'out', value: 'DIR', help: 'output directory (default build/monitoring)' }],
    examples: ['npm run fleet -- monitoring', 'npm run fleet -- monitoring --out /tmp/mon && promtool check config /tmp/mon/prometheus/prometheus.yml'],
    details: 'Output is deterministic and holds no secret: the Telegram bot token and SMTP settings are placeholders that `monitoring deploy` fills from the environment.',
    run: async (ctx, args) => (await import('../../monitoring/generate.ts')).runGenerate(ctx, args),
  },
  {
    name: 'monitoring deploy',
    summary: 'upload the monitoring files to the host in fleet.yaml `monitoring:` and (re)start the stack',
    options: [
      { name: 'identity', value: 'FILE', help: 'SSH private key (default: the ssh agent / ~/.ssh)' },
      { name: 'dir', value: 'DIR', help: 'directory on the monitoring host (default /opt/boxfleet-monitoring)' },
    ],
    examples: ['TELEGRAM_BOT_TOKEN=... GRAFANA_ADMIN_PASSWORD=... npm run fleet -- monitoring deploy --identity ~/.ssh/boxfleet'],
    details: 'Needs TELEGRAM_BOT_TOKEN (when alerts.telegram_chat_id is set), SMTP_HOST, SMTP_PORT, SMTP_FROM, SMTP_USERNAME, SMTP_PASSWORD (when alerts.email is set) and GRAFANA_ADMIN_PASSWORD. Exits 1 when fleet.yaml has no `monitoring:` section.',
    run: async (ctx, args) => (await import('../../monitoring/deploy.ts')).runDeploy(ctx, args),
  },
];
