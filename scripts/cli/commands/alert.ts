// The alert stage: incidents as GitHub issues plus a Telegram summary, run by the probe
// workflow after each round. Metadata and a lazy import only (keeps `fleet --help` fast).
import type { Command } from '../types.ts';

export const commands: Command[] = [
  {
    name: 'incidents',
    summary: 'open, update and close one incident issue per failing node from the status store, and send one Telegram summary',
    options: [
      { name: 'status', value: 'DIR', help: 'the status store (output of `fleet status pull`; default build/status)' },
      { name: 'dry-run', help: 'print what would be done; no GitHub or Telegram call at all' },
      { name: 'history', help: 'also append each event GitHub carried out to incidents/<YYYY-MM>.json on the status branch (what the status page shows)' },
      { name: 'repo', value: 'URL|PATH', help: 'with --history: the repository holding the status branch (default: this checkout\'s origin)' },
      { name: 'branch', value: 'NAME', help: 'with --history: the status branch (default fleet.yaml probe.status_branch)' },
    ],
    formats: ['text', 'json', 'github'],
    examples: [
      'npm run fleet -- incidents --status build/status',
      'npm run fleet -- incidents --status build/status --dry-run --format json',
      'npm run fleet -- incidents --status build/status --history',
    ],
    details: 'A node is in trouble when it is down, blocked or degraded; an issue opens once it has been for fleet.yaml probe.incident.open_after '
      + 'and at least 2 probe runs, and closes ("resolved after …") once the node has been up for close_after. Trouble is timed from the last "up" round, so down → degraded → down '
      + 'counts as one outage. At most max_new_issues_per_run issues open per run (the rest wait; missing labels are created once). Nodes under '
      + 'maintenance or disabled open nothing; an incident already open gets one comment and stays open until maintenance ends. State lives in the '
      + 'issues (labels incident + node:<name>, a hidden marker and a hidden state block); with --history each event is also appended to the status branch, for the status page. Needs GITHUB_TOKEN and GITHUB_REPOSITORY (GITHUB_API_URL for GHES/tests); Telegram needs TELEGRAM_BOT_TOKEN and a chat id '
      + '(alerts.telegram_chat_id, TELEGRAM_CHAT_ID overrides; TELEGRAM_API_URL, TELEGRAM_MAX_WAIT_SECONDS). Exit 1 when a channel failed.',
    run: async (ctx, args) => (await import('../../alert/run.ts')).runIncidents(ctx, args),
  },
  {
    name: 'recovery',
    summary: 'find inbounds blocked in a region (failing there, reached from elsewhere) and withdraw them for users there, promoting a standby',
    options: [
      { name: 'status', value: 'DIR', help: 'the status store (output of `fleet status pull`; default build/status)' },
      { name: 'record', help: 'append the decisions to recovery/<YYYY-MM>.json on the status branch (recovery.mode auto or propose), where `fleet site` applies them' },
      { name: 'repo', value: 'URL|PATH', help: 'with --record: the repository holding the status branch (default: this checkout\'s origin)' },
      { name: 'branch', value: 'NAME', help: 'with --record: the status branch (default fleet.yaml probe.status_branch)' },
    ],
    formats: ['text', 'json'],
    examples: [
      'npm run fleet -- recovery --status build/status',
      'npm run fleet -- recovery --status build/status --record',
    ],
    details: 'An inbound is blocked in a region when every run from that region\'s vantages failed it for recovery.after (at least two runs), '
      + 'a vantage elsewhere reached it meanwhile, and a vantage of the region had a healthy run within recovery.after. The kind of block '
      + '(address, port, server-name, inbound) comes from which of the node\'s inbounds fail there. A withdrawn inbound comes back after '
      + 'recovery.restore_after of passing runs. In Actions it sets the step output `changed` to true when it recorded a decision.',
    run: async (ctx, args) => (await import('../../alert/recovery-run.ts')).runRecovery(ctx, args),
  },
];
