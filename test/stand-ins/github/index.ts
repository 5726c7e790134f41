export { startGitHubStandIn, type GitHubStandIn, type StandInIssue, type InjectedFailure } from './server.ts';
export { githubContract } from './contract.ts';
