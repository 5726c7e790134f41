// The environment a program boxfleet starts gets: what such a program reads, never the
// secrets a workflow gives boxfleet (FLEET_SECRET, PROBE_MANIFEST, SSH and S3 keys, tokens).
// Why it matters: an SSH ControlMaster outlives the deploy by deploy.ssh_persist, and a
// process's environment stays readable in /proc/<pid>/environ by every later step of the job
// that runs as the same user, steps that were never given the secret.
const PASSED = new Set([
  'PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'TZ', 'TMPDIR',
  'XDG_RUNTIME_DIR', 'XDG_CONFIG_HOME',
  'SSH_AUTH_SOCK', // ssh: the agent's keys when no identity file is given
  'SSL_CERT_FILE', 'SSL_CERT_DIR', 'OPENSSL_CONF', // TLS roots (sing-box, openssl)
]);

/** Git's own variables (GIT_DIR, GIT_CONFIG_GLOBAL, …) pass as well: boxfleet keeps no secret there. */
const passes = (name: string): boolean => PASSED.has(name) || name.startsWith('GIT_');

/** `env` reduced to what child programs read, with `extra` on top. */
export function childEnv(extra: Record<string, string> = {}, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && passes(name)) out[name] = value;
  return { ...out, ...extra };
}
