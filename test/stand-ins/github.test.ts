// The GitHub stand-in must refuse what GitHub refuses: otherwise tests against it prove
// nothing. These checks use octokit itself, the client the incidents stage uses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Octokit } from 'octokit';
import { startGitHubStandIn, type GitHubStandIn } from './github/index.ts';

describe('GitHub stand-in (checked against @octokit/openapi)', () => {
  let gh: GitHubStandIn;
  let octokit: Octokit;
  beforeAll(async () => {
    gh = await startGitHubStandIn();
    octokit = new Octokit({ auth: 'test-token', baseUrl: gh.url, retry: { enabled: false }, throttle: { enabled: false } });
  });
  afterAll(() => gh.stop());

  it('serves a valid issue lifecycle with no contract violation', async () => {
    const created = await octokit.rest.issues.create({ owner: 'acme', repo: 'fleet', title: 'Node down', body: 'x', labels: ['incident'] });
    expect(created.status).toBe(201);
    await octokit.rest.issues.createComment({ owner: 'acme', repo: 'fleet', issue_number: created.data.number, body: 'still down' });
    const listed = await octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'fleet', labels: 'incident', state: 'open' });
    expect(listed.data.map((i) => i.number)).toEqual([created.data.number]);
    await octokit.rest.issues.update({ owner: 'acme', repo: 'fleet', issue_number: created.data.number, state: 'closed' });
    expect(gh.issues[0].state).toBe('closed');
    expect(gh.violations).toEqual([]);
  });

  it('refuses a body the real API refuses (title missing) and records it', async () => {
    const before = gh.violations.length;
    await expect(octokit.request('POST /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'fleet', body: 'no title' } as never)).rejects.toMatchObject({ status: 422 });
    expect(gh.violations.length).toBe(before + 1);
    expect(gh.violations.at(-1)).toMatch(/issues\/create.*title/);
  });

  it('refuses unknown routes, wrong enum values and non-integer numbers', async () => {
    await expect(octokit.request('GET /repos/{owner}/{repo}/no-such-thing', { owner: 'acme', repo: 'fleet' })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.request('GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'fleet', state: 'opened' } as never)).rejects.toMatchObject({ status: 422 });
    await expect(octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { owner: 'acme', repo: 'fleet', issue_number: 'abc' } as never)).rejects.toMatchObject({ status: 422 });
    expect(gh.violations.some((v) => v.includes('no such route'))).toBe(true);
    expect(gh.violations.some((v) => v.includes('state must be one of'))).toBe(true);
  });

  it('injects failures once, then serves normally', async () => {
    gh.failNext({ status: 500 });
    await expect(octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'fleet' })).rejects.toMatchObject({ status: 500 });
    const ok = await octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'fleet' });
    expect(ok.status).toBe(200);
  });

  it('records workflow dispatches', async () => {
    await octokit.rest.actions.createWorkflowDispatch({ owner: 'acme', repo: 'fleet', workflow_id: 'pages.yml', ref: 'main' });
    expect(gh.dispatches).toEqual([{ workflow_id: 'pages.yml', ref: 'main', inputs: undefined }]);
  });
});
