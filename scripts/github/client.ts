// The one place that builds an Octokit for the `fleet github …` commands. Everything comes
// from the environment Actions sets (GITHUB_TOKEN passed by the workflow, GITHUB_REPOSITORY,
// GITHUB_API_URL), so the same code talks to github.com, to GHES, and to the test stand-in.
import { Octokit } from 'octokit';
import { OperationError, type CommandContext } from '../core/command.ts';

export interface Repo { owner: string; repo: string }

export interface GitHubClient extends Repo {
  octokit: Octokit;
}

/** Waits longer than this are not worth holding a runner for: fail and let the next run try. */
const MAX_WAIT_SECONDS = 60;
/** Rate-limit retries per request; transient 5xx retries are the retry plugin's (bounded too). */
const MAX_RATE_RETRIES = 2;

export function githubClient(ctx: CommandContext): GitHubClient {
  const token = ctx.env.GITHUB_TOKEN;
  if (!token) throw new OperationError('GITHUB_TOKEN is not set: pass it to the step (env: GITHUB_TOKEN: ${{ github.token }})');
  const full = ctx.env.GITHUB_REPOSITORY ?? '';
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(full);
  if (!m) throw new OperationError(`GITHUB_REPOSITORY must be "owner/name", not "${full}"`);
  const baseUrl = (ctx.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  // Octokit logs through console by default; route it to stderr of the command instead,
  // where the runner shows it and the tests capture it. It never logs the token.
  const say = (msg: string) => ctx.io.err(`github: ${msg}`);
  const bounded = (kind: string) => (retryAfter: number, options: { method: string; url: string; request: { retryCount: number } }) => {
    const again = options.request.retryCount < MAX_RATE_RETRIES && retryAfter <= MAX_WAIT_SECONDS;
    say(`${kind} on ${options.method} ${options.url}; ${again ? `retrying in ${retryAfter}s` : 'giving up'}`);
    return again;
  };
  const octokit = new Octokit({
    auth: token,
    baseUrl,
    userAgent: 'boxfleet',
    log: { debug: () => {}, info: () => {}, warn: say, error: say },
    // Transient failures (5xx) are retried twice, 1 s then 4 s apart; 501 and client errors never.
    retry: { retries: 2, doNotRetry: [400, 401, 403, 404, 410, 422, 451, 501] },
    throttle: { onRateLimit: bounded('rate limit'), onSecondaryRateLimit: bounded('secondary rate limit') },
    request: { timeout: 30_000 },
  });
  return { octokit, owner: m[1], repo: m[2] };
}

/** An API failure as an OperationError with the status and GitHub's message, never the request headers. */
export function apiFailure(what: string, e: unknown): OperationError {
  const err = e as { status?: number; message?: string };
  return new OperationError(`${what} failed${err.status ? ` (HTTP ${err.status})` : ''}: ${err.message ?? String(e)}`);
}
