// Commands of the site stage: building the static site and listing the links to send.
import type { Command } from '../types.ts';

export const commands: Command[] = [
  {
    name: 'site',
    summary: 'build the static site: one page and three profile files per user under an unguessable path',
    options: [
      { name: 'out', value: 'DIR', help: 'output directory, replaced as a whole when the build succeeds (default: build/site)' },
      { name: 'status', value: 'DIR', help: 'a checkout of the status branch: order nodes by health and draw the status page' },
      { name: 'base-url', value: 'URL', help: 'use this instead of site.base_url (for a local preview)' },
    ],
    examples: [
      'FLEET_SECRET=... npm run fleet -- site',
      'npm run fleet -- site --out /tmp/preview   # without FLEET_SECRET: demo build with a banner, never publishable',
      'npm run fleet -- site --status ../fleet-status',
    ],
    details: 'Without FLEET_SECRET the public demo secret is used: every page then carries a "demo" banner and the ' +
      'build is marked (.boxfleet-demo), so publishing refuses it.',
    run: async (ctx, args) => (await import('../../site/run.ts')).runSite(ctx, args),
  },
  {
    name: 'links',
    summary: "print each active user's page URL: the link you send them",
    options: [{ name: 'user', value: 'NAME', help: 'only this user' }],
    formats: ['table', 'json'],
    examples: ['FLEET_SECRET=... npm run fleet -- links', 'FLEET_SECRET=... npm run fleet -- links --user alice --format json'],
    details: 'Needs the real FLEET_SECRET: links made from the demo secret open nothing that is published.',
    run: async (ctx, args) => (await import('../../site/run.ts')).runLinks(ctx, args),
  },
  {
    name: 'publish',
    summary: 'upload the built site to the object store of `site.host: s3`: only what changed, old folders deleted last',
    options: [
      { name: 'site', value: 'DIR', help: 'the built site (default: build/site)' },
      { name: 'dry-run', help: 'say what would be uploaded and deleted, change nothing' },
      { name: 'full', help: 'list the bucket instead of trusting the state object (done by itself once a day)' },
    ],
    examples: ['FLEET_SECRET=... AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... npm run fleet -- publish --site build/site'],
    details: 'Refuses a demo build and one without robots.txt. Uploads what differs from what the store holds (assets and ' +
      'token folders before the pages that link to them), deletes the folders of revoked users only after every upload ' +
      'landed, and keeps what it wrote in an encrypted state object, so a publish that stopped half-way continues when run again; ' +
      'it lists the bucket again when that state is a day old (or with --full), so an object the state does not know of goes within a day. ' +
      'Never uploads _headers. Credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
    run: async (ctx, args) => (await import('../../publish/run.ts')).runPublish(ctx, args),
  },
];
