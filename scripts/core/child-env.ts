// The environment a program boxfleet starts gets: what such a program reads, never the
// secrets a workflow gives boxfleet (FLEET_SECRET, PROBE_MANIFEST, SSH and S3 keys, tokens).
// Every spawn in scripts/ goes through it (test/architecture/sources.test.ts checks).
// Why it matters: an SSH ControlMaster outlives the deploy by deploy.ssh_persist, and its
// environment stays in its memory, which a later step of the job can read (a runner's user
// has sudo), a step that was never given the secret.
const PASSED = new Set([
  'PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'TZ', 'TMPDIR',
  'XDG_RUNTIME_DIR', 'XDG_CONFIG_HOME',
  'SSH_AUTH_SOCK', // ssh: the agent's keys when no identity file is given
  'SSL_CERT_FILE', 'SSL_CERT_DIR', 'OPENSSL_CONF', // TLS roots (sing-box, openssl)
  // git's pushes from a self-hosted runner behind a proxy (recovery proposals)
  'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy',
]);

// No GIT_* variable passes: GIT_CONFIG_* and GIT_ASKPASS are where a token for git's HTTP
// can ride, and the git that boxfleet runs reads only the local repository (the shipped
// workflows' pushes authenticate from .git/config, where actions/checkout puts the token).

/** `env` reduced to what child programs read, with `extra` on top. */
export function childEnv(extra: Record<string, string> = {}, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && PASSED.has(name)) out[name] = value;
  return { ...out, ...extra };
}
