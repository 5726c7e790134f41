// A stand-in for GitHub's REST API on loopback, for tests only. Every request is checked
// against GitHub's OpenAPI description first (contract.ts); requests that pass are served
// from memory for the endpoints boxfleet uses (issues, comments, labels, workflow
// dispatch, workflow runs and their jobs, release assets). Failures can be injected (500, rate limits) to test retries
// and throttling. Release assets redirect to a second server on another port, as GitHub's
// do to its storage host, which records whether a request still carried the token.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { githubContract, type ContractMatch } from './contract.ts';

/** A comment; `author` is whoever wrote it (the workflow's token writes as github-actions[bot]). */
export interface StandInComment { id: number; body: string; created_at: string; author?: string }

export interface StandInIssue {
  number: number; title: string; body: string; state: 'open' | 'closed';
  labels: string[]; comments: StandInComment[];
  created_at: string; updated_at: string; closed_at: string | null; pull_request?: boolean;
  /** A pull request's head commit and the repository it comes from (a fork's full name). */
  head?: { sha: string; repo: string; ref?: string };
  /** A pull request's base branch (pulls/create). */
  base?: string;
}

export interface StandInAsset { id: number; tag: string; name: string; data: Buffer }

/** A workflow run and its jobs (actions/list-workflow-runs, actions/list-jobs-for-workflow-run). */
export interface StandInRun {
  id: number; workflow: string; branch: string; head_sha: string; event: string;
  status: 'queued' | 'in_progress' | 'completed'; conclusion: 'success' | 'failure' | 'cancelled' | null;
  created_at: string;
  /** The latest attempt (a re-run keeps the run's id and place, and starts a new attempt). */
  run_attempt?: number;
  /** The latest attempt's jobs; completed_at defaults to the run's created_at. */
  jobs: { name: string; status: 'queued' | 'in_progress' | 'completed'; conclusion: 'success' | 'failure' | 'skipped' | 'cancelled' | null; completed_at?: string }[];
}

export interface InjectedFailure { status: number; headers?: Record<string, string>; message?: string; times?: number; /** Only requests to this operation fail (default: the next request, whatever it is). */ operationId?: string }

export interface GitHubStandIn {
  url: string;
  owner: string; repo: string;
  issues: StandInIssue[];
  dispatches: { workflow_id: string; ref: string; inputs?: Record<string, unknown> }[];
  /** Requests the real API would refuse; a passing test expects none. */
  violations: string[];
  requests: { method: string; path: string; operationId?: string }[];
  /** Workflow runs, in the order they started. */
  runs: StandInRun[];
  addRun(run: Omit<StandInRun, 'id' | 'created_at'>): StandInRun;
  /** Release assets (private: served only through the API with a token). */
  assets: StandInAsset[];
  /** Requests that reached the storage host, and whether each carried an Authorization header. */
  storageRequests: { path: string; authorization: boolean }[];
  addReleaseAsset(tag: string, name: string, data: Buffer): void;
  failNext(f: InjectedFailure): void;
  addPullRequest(number: number, title?: string, head?: { sha: string; repo: string }): void;
  /** A comment someone else wrote (anyone may comment on a public repository's issues). */
  addComment(number: number, body: string, author: string): void;
  stop(): Promise<void>;
}

export async function startGitHubStandIn(opts: { owner?: string; repo?: string; clock?: () => Date } = {}): Promise<GitHubStandIn> {
  const contract = githubContract();
  const clock = opts.clock ?? (() => new Date());
  const state: GitHubStandIn = {
    url: '', owner: opts.owner ?? 'acme', repo: opts.repo ?? 'fleet',
    issues: [], dispatches: [], violations: [], requests: [], assets: [], storageRequests: [], runs: [],
    addRun: (run) => {
      const r = { ...run, id: 90_000 + state.runs.length, created_at: clock().toISOString() };
      state.runs.push(r);
      return r;
    },
    addReleaseAsset: (tag, name, data) => { state.assets.push({ id: 5000 + state.assets.length, tag, name, data }); },
    failNext: (f) => failures.push({ ...f, times: f.times ?? 1 }),
    addPullRequest: (number, title = `PR ${number}`, head) => {
      const t = clock().toISOString();
      state.issues.push({ number, title, body: '', state: 'open', labels: [], comments: [], created_at: t, updated_at: t, closed_at: null, pull_request: true, head });
    },
    addComment: (number, body, author) => {
      state.issues.find((i) => i.number === number)!.comments.push({ id: nextComment++, body, created_at: clock().toISOString(), author });
    },
    stop: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      storage.closeAllConnections();
      await new Promise<void>((r) => storage.close(() => r()));
    },
  };
  const failures: InjectedFailure[] = [];
  let storageUrl = '';
  let nextComment = 1000;
  const labels = new Set<string>();

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      state.violations.push(`stand-in failure: ${(e as Error).message}`);
      if (!res.headersSent) send(res, 500, { message: 'stand-in failure' });
    });
  });

  // The storage host: serves an asset's bytes at the path the API redirected to.
  const storage = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://storage').pathname;
    state.storageRequests.push({ path, authorization: req.headers.authorization !== undefined });
    const asset = state.assets.find((a) => path === `/assets/${a.id}`);
    if (!asset) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(asset.data.length) });
    res.end(asset.data);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const result = contract.check(req.method ?? 'GET', url, body.json);
    state.requests.push({ method: req.method ?? '', path: url.pathname, operationId: result.ok ? result.match.operationId : undefined });
    if (body.error) { state.violations.push(`${req.method} ${url.pathname}: ${body.error}`); return send(res, 400, { message: 'Problems parsing JSON' }); }
    if (!result.ok) { state.violations.push(result.violation); return send(res, result.status, { message: result.violation }); }
    if (!req.headers.authorization) state.violations.push(`${result.match.operationId}: no Authorization header`);
    const failure = failures.find((f) => !f.operationId || f.operationId === result.match.operationId);
    if (failure) {
      if (--failure.times! <= 0) failures.splice(failures.indexOf(failure), 1);
      return send(res, failure.status, { message: failure.message ?? 'injected failure' }, failure.headers);
    }
    try {
      const [status, payload, headers] = serve(result.match, body.json as Record<string, unknown> | undefined, url, req);
      send(res, status, payload, headers);
    } catch (e) {
      send(res, 500, { message: (e as Error).message });
    }
  }

  function serve(m: ContractMatch, body: Record<string, unknown> | undefined, url: URL, req: IncomingMessage): [number, unknown, Record<string, string>?] {
    const now = clock().toISOString();
    const find = (n: string) => state.issues.find((i) => i.number === Number(n));
    const view = (i: StandInIssue) => issueView(state, i);
    switch (m.operationId) {
      case 'issues/list-for-repo': {
        const want = (url.searchParams.get('labels') ?? '').split(',').filter(Boolean);
        const st = url.searchParams.get('state') ?? 'open';
        const all = state.issues.filter((i) => (st === 'all' || i.state === st) && want.every((l) => i.labels.includes(l)))
          .sort((a, b) => b.number - a.number);
        const per = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        const slice = all.slice((page - 1) * per, page * per);
        const headers: Record<string, string> = {};
        if (page * per < all.length) headers.link = `<${state.url}${url.pathname}?${withPage(url, page + 1)}>; rel="next"`;
        return [200, slice.map(view), headers];
      }
      case 'issues/create': {
        const number = Math.max(0, ...state.issues.map((i) => i.number)) + 1;
        const issue: StandInIssue = {
          number, title: String(body!.title), body: String(body!.body ?? ''), state: 'open',
          labels: ((body!.labels as (string | { name: string })[]) ?? []).map((l) => (typeof l === 'string' ? l : l.name)),
          comments: [], created_at: now, updated_at: now, closed_at: null,
        };
        state.issues.push(issue);
        return [201, view(issue)];
      }
      case 'issues/get': { const i = find(m.params.issue_number); return i ? [200, view(i)] : [404, { message: 'Not Found' }]; }
      case 'issues/update': {
        const i = find(m.params.issue_number);
        if (!i) return [404, { message: 'Not Found' }];
        if (body!.title !== undefined) i.title = String(body!.title);
        if (body!.body !== undefined) i.body = String(body!.body);
        if (body!.labels !== undefined) i.labels = (body!.labels as (string | { name: string })[]).map((l) => (typeof l === 'string' ? l : l.name));
        if (body!.state === 'closed' && i.state === 'open') { i.state = 'closed'; i.closed_at = now; }
        if (body!.state === 'open') { i.state = 'open'; i.closed_at = null; }
        i.updated_at = now;
        return [200, view(i)];
      }
      case 'issues/create-comment': {
        const i = find(m.params.issue_number);
        if (!i) return [404, { message: 'Not Found' }];
        const c = { id: nextComment++, body: String(body!.body), created_at: now };
        i.comments.push(c);
        return [201, commentView(state, i, c)];
      }
      case 'issues/list-comments': {
        const i = find(m.params.issue_number);
        return i ? [200, i.comments.map((c) => commentView(state, i, c))] : [404, { message: 'Not Found' }];
      }
      case 'issues/update-comment': {
        for (const i of state.issues) {
          const c = i.comments.find((x) => x.id === Number(m.params.comment_id));
          if (c) { c.body = String(body!.body); return [200, commentView(state, i, c)]; }
        }
        return [404, { message: 'Not Found' }];
      }
      case 'pulls/get': {
        const i = find(m.params.pull_number);
        if (!i?.pull_request || !i.head) return [404, { message: 'Not Found' }];
        return [200, {
          number: i.number, state: i.state, title: i.title,
          head: { sha: i.head.sha, ref: 'main', repo: { full_name: i.head.repo } },
          base: { ref: 'main', repo: { full_name: `${state.owner}/${state.repo}` } },
        }];
      }
      case 'pulls/create': {
        const number = Math.max(0, ...state.issues.map((i) => i.number)) + 1;
        const head = String(body!.head);
        if (state.issues.some((i) => i.pull_request && i.state === 'open' && i.head?.ref === head)) {
          return [422, { message: 'Validation Failed', errors: [{ message: `A pull request already exists for ${state.owner}:${head}.` }] }];
        }
        const pr: StandInIssue = {
          number, title: String(body!.title), body: String(body!.body ?? ''), state: 'open', labels: [], comments: [],
          created_at: now, updated_at: now, closed_at: null, pull_request: true,
          head: { sha: '0'.repeat(40), repo: `${state.owner}/${state.repo}`, ref: head }, base: String(body!.base),
        };
        state.issues.push(pr);
        return [201, pullView(state, pr)];
      }
      case 'pulls/list': {
        const st = url.searchParams.get('state') ?? 'open';
        const head = url.searchParams.get('head');
        const list = state.issues.filter((i) => i.pull_request && (st === 'all' || i.state === st)
          && (!head || `${state.owner}:${i.head?.ref ?? ''}` === head)).sort((a, b) => b.number - a.number);
        return [200, list.map((i) => pullView(state, i))];
      }
      case 'issues/create-label': labels.add(String(body!.name)); return [201, { name: body!.name, color: body!.color ?? 'ededed' }];
      case 'issues/get-label': return labels.has(m.params.name) ? [200, { name: m.params.name }] : [404, { message: 'Not Found' }];
      case 'repos/get-release-by-tag': {
        const assets = state.assets.filter((a) => a.tag === m.params.tag);
        if (assets.length === 0) return [404, { message: 'Not Found' }];
        return [200, {
          id: 77, tag_name: m.params.tag, name: m.params.tag, draft: false, prerelease: false,
          assets: assets.map((a) => ({
            id: a.id, name: a.name, size: a.data.length, state: 'uploaded', content_type: 'application/gzip',
            url: `${state.url}/repos/${state.owner}/${state.repo}/releases/assets/${a.id}`,
            browser_download_url: `https://github.com/${state.owner}/${state.repo}/releases/download/${a.tag}/${a.name}`,
          })),
        }];
      }
      case 'repos/get-release-asset': {
        const a = state.assets.find((x) => x.id === Number(m.params.asset_id));
        if (!a) return [404, { message: 'Not Found' }];
        // As GitHub: the bytes only for application/octet-stream, by a redirect to storage.
        if (req.headers.accept !== 'application/octet-stream') return [200, { id: a.id, name: a.name, size: a.data.length }];
        return [302, undefined, { location: `${storageUrl}/assets/${a.id}` }];
      }
      case 'actions/list-workflow-runs': {
        // As GitHub: newest first; `status` matches a run's status or its conclusion.
        const q = (k: string) => url.searchParams.get(k);
        const list = state.runs.filter((r) => r.workflow === m.params.workflow_id
          && (!q('branch') || r.branch === q('branch')) && (!q('event') || r.event === q('event'))
          && (!q('status') || r.status === q('status') || r.conclusion === q('status'))).reverse();
        const per = Number(q('per_page') ?? 30);
        const page = Number(q('page') ?? 1);
        return [200, { total_count: list.length, workflow_runs: list.slice((page - 1) * per, page * per).map((r) => runView(state, r)) }];
      }
      case 'actions/list-jobs-for-workflow-run': {
        const r = state.runs.find((x) => x.id === Number(m.params.run_id));
        if (!r) return [404, { message: 'Not Found' }];
        const jobs = r.jobs.map((j, i) => ({
          id: r.id * 1000 + i, run_id: r.id, run_attempt: r.run_attempt ?? 1, name: j.name, status: j.status, conclusion: j.conclusion,
          completed_at: j.status === 'completed' ? (j.completed_at ?? r.created_at) : null, head_sha: r.head_sha, workflow_name: r.workflow,
        }));
        // As GitHub: at most per_page (≤ 100) a page, the next one named in a Link header.
        const per = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
        const page = Number(url.searchParams.get('page') ?? 1);
        const headers: Record<string, string> = {};
        if (page * per < jobs.length) headers.link = `<${state.url}${url.pathname}?${withPage(url, page + 1)}>; rel="next"`;
        return [200, { total_count: jobs.length, jobs: jobs.slice((page - 1) * per, page * per) }, headers];
      }
      case 'actions/create-workflow-dispatch':
        state.dispatches.push({ workflow_id: m.params.workflow_id, ref: String(body!.ref), inputs: body!.inputs as Record<string, unknown> | undefined });
        return [204, undefined];
      default:
        return [501, { message: `stand-in does not implement ${m.operationId}` }];
    }
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => storage.listen(0, '127.0.0.1', () => r()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  storageUrl = `http://127.0.0.1:${(storage.address() as AddressInfo).port}`;
  return state;
}

function withPage(url: URL, page: number): string {
  const q = new URLSearchParams(url.searchParams);
  q.set('page', String(page));
  return q.toString();
}

function issueView(s: GitHubStandIn, i: StandInIssue) {
  return {
    id: i.number * 10, node_id: `I_${i.number}`, number: i.number, title: i.title, body: i.body, state: i.state,
    labels: i.labels.map((name) => ({ name })), comments: i.comments.length,
    created_at: i.created_at, updated_at: i.updated_at, closed_at: i.closed_at,
    html_url: `https://github.com/${s.owner}/${s.repo}/issues/${i.number}`,
    user: author(),
    ...(i.pull_request ? { pull_request: { url: `${s.url}/repos/${s.owner}/${s.repo}/pulls/${i.number}` } } : {}),
  };
}

function runView(s: GitHubStandIn, r: StandInRun) {
  return {
    id: r.id, run_number: r.id - 89_999, run_attempt: r.run_attempt ?? 1, name: r.workflow.replace(/\.ya?ml$/, ''), path: `.github/workflows/${r.workflow}`,
    head_branch: r.branch, head_sha: r.head_sha, event: r.event, status: r.status, conclusion: r.conclusion,
    created_at: r.created_at, updated_at: r.created_at,
    html_url: `https://github.com/${s.owner}/${s.repo}/actions/runs/${r.id}`,
  };
}

function pullView(s: GitHubStandIn, i: StandInIssue) {
  return {
    number: i.number, state: i.state, title: i.title, body: i.body, created_at: i.created_at,
    html_url: `https://github.com/${s.owner}/${s.repo}/pull/${i.number}`,
    head: { ref: i.head?.ref ?? 'main', sha: i.head?.sha ?? '0'.repeat(40), repo: { full_name: i.head?.repo ?? `${s.owner}/${s.repo}` } },
    base: { ref: i.base ?? 'main', repo: { full_name: `${s.owner}/${s.repo}` } },
  };
}

/** The account GitHub names as a comment's or issue's author (simple-user: login and type). */
const author = (login = 'github-actions[bot]') => ({ login, type: login.endsWith('[bot]') ? 'Bot' : 'User' });

function commentView(s: GitHubStandIn, i: StandInIssue, c: StandInComment) {
  return { id: c.id, body: c.body, created_at: c.created_at, updated_at: c.created_at, user: author(c.author), html_url: `https://github.com/${s.owner}/${s.repo}/issues/${i.number}#issuecomment-${c.id}` };
}

async function readBody(req: IncomingMessage): Promise<{ json?: unknown; error?: string }> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (chunks.length === 0) return {};
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try { return { json: JSON.parse(text) }; } catch { return { error: 'body is not JSON' }; }
}

function send(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  const text = payload === undefined ? '' : JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ratelimit-remaining': '4999', ...headers });
  res.end(text);
}
