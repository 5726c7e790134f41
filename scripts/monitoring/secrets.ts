// Secrets of the monitoring host never enter generated files: renderers write a
// placeholder, and `fleet monitoring deploy` fills it from the environment at upload
// time. Alertmanager 0.25 has no bot_token_file (0.26+), hence this instead of a file.
import { parseDocument, visit, isScalar } from 'yaml';
import { OperationError } from '../core/command.ts';

export const ENV_VARS = {
  telegramToken: 'TELEGRAM_BOT_TOKEN',
  smtpHost: 'SMTP_HOST',
  smtpPort: 'SMTP_PORT',
  smtpFrom: 'SMTP_FROM',
  smtpUsername: 'SMTP_USERNAME',
  smtpPassword: 'SMTP_PASSWORD',
  grafanaPassword: 'GRAFANA_ADMIN_PASSWORD',
} as const;

/** `__BOXFLEET_ENV_NAME__`: unmistakable, and a valid value for the config checkers. */
export function placeholder(envName: string): string {
  return `__BOXFLEET_ENV_${envName}__`;
}

const TOKEN = /__BOXFLEET_ENV_([A-Z0-9_]+?)__/g;

/** Names of the environment variables a generated file needs. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(TOKEN)].map((m) => m[1]!))].sort();
}

/**
 * Replaces placeholders in YAML scalars with env values. Working on the parsed document
 * (not the text) keeps a secret with `:`, `#` or quotes from changing the YAML structure.
 */
export function fillYamlSecrets(text: string, env: NodeJS.ProcessEnv): string {
  const needed = placeholdersIn(text);
  const missing = needed.filter((n) => !env[n]);
  if (missing.length > 0) throw new OperationError(`set ${missing.join(', ')} in the environment: the monitoring host's config needs ${missing.length === 1 ? 'it' : 'them'} and Git never holds secrets`);
  if (needed.length === 0) return text;
  const doc = parseDocument(text);
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && node.value.includes('__BOXFLEET_ENV_')) {
        node.value = node.value.replace(TOKEN, (_m, name: string) => env[name]!);
        node.type = 'QUOTE_DOUBLE';
      }
    },
  });
  return doc.toString({ lineWidth: 0 });
}
