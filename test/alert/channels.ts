// The two stand-ins every incidents test runs against, started fresh for each test and
// checked after it: a request GitHub's OpenAPI description refuses fails the test.
import { afterAll, afterEach, beforeEach, expect } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../stand-ins/github/index.ts';
import { startTelegramStandIn, type TelegramStandIn } from '../stand-ins/telegram/index.ts';
import { at, cleanTemps, incidents, type Run, type Store } from './helpers.ts';

export interface Channels {
  readonly gh: GitHubStandIn;
  readonly tg: TelegramStandIn;
  /** The environment the probe workflow gives `fleet incidents`, pointed at the stand-ins. */
  env(): NodeJS.ProcessEnv;
  /** Issues carrying our marker (people's issues are left out). */
  ours(): GitHubStandIn['issues'];
  /** One run of the command at minute m; the GitHub stand-in's clock moves with it. */
  tick(root: string, store: Store, m: number, e?: NodeJS.ProcessEnv, extra?: string[]): Promise<Run>;
}

export function useChannels(): Channels {
  let gh: GitHubStandIn;
  let tg: TelegramStandIn;
  let clock = at(0);
  beforeEach(async () => {
    clock = at(0);
    gh = await startGitHubStandIn({ owner: 'acme', repo: 'fleet', clock: () => new Date(clock) });
    tg = await startTelegramStandIn();
  });
  afterEach(async () => {
    expect(gh.violations).toEqual([]);
    await gh.stop();
    await tg.stop();
  });
  afterAll(() => cleanTemps());
  const channels: Channels = {
    get gh() { return gh; },
    get tg() { return tg; },
    env: () => ({
      GITHUB_TOKEN: 'gh-test-token', GITHUB_REPOSITORY: 'acme/fleet', GITHUB_API_URL: gh.url,
      TELEGRAM_BOT_TOKEN: 'tg-test-token', TELEGRAM_API_URL: tg.url,
    }),
    ours: () => gh.issues.filter((i) => i.body.includes('<!-- boxfleet-incident')),
    tick: (root, store, m, e = channels.env(), extra = []) => {
      clock = at(m);
      return incidents(root, store, m, e, extra);
    },
  };
  return channels;
}
