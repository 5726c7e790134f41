// `npm start` from a fresh clone of the repository's committed HEAD (so a file that was
// never committed fails here as it would for a new operator): the demo site is built,
// served on loopback, and every printed link and every profile on those pages works.
// Stopped by PID (its process group).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { cpSync, existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { profileProblems } from './checks.ts';
import { freePort, httpGet, removeAll, ROOT, stopChild, tempDir } from './helpers.ts';

describe('npm start', () => {
  const dir = tempDir('start');
  afterAll(() => removeAll(dir));

  it('serves the demo site and prints working links', async () => {
    const clone = join(dir, 'clone');
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone]);
    // `npm ci` was proven by CI itself; the clone shares the installed dependencies.
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) };
    delete env.FLEET_SECRET;
    // Its own process group: npm runs tsx, which runs the script in a child node, which runs http-server.
    const child = spawn('npm', ['start', '--silent'], { cwd: clone, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d) => { stdout += d; if (stdout.includes('Press Ctrl+C')) resolve(); });
        child.once('exit', (code) => reject(new Error(`npm start exited ${code}: ${stderr}`)));
      });
      const links = [...stdout.matchAll(/^\s+(\S+)\s+(http:\/\/127\.0\.0\.1:(\d+)\/s\/[A-Za-z0-9_-]{32}\/)$/gm)].map((m) => ({ user: m[1], url: m[2], port: Number(m[3]) }));
      expect(links.map((l) => l.user)).toEqual(['alice', 'dave', 'erin', 'frank']);
      for (const { user, url, port: p } of links) {
        expect(p).toBe(port);
        const page = await httpGet(url);
        expect(page.status, user).toBe(200);
        const html = await page.text();
        expect(html).toContain('name="boxfleet-demo"');
        // Both language blocks show the same three links.
        const profileUrls = [...new Set([...html.matchAll(/<input type="text" readonly value="([^"]+)"/g)].map((m) => m[1]))];
        expect(profileUrls.map((u) => u.slice(url.length))).toEqual(['sing-box.json', 'mihomo.yaml', 'links.txt']);
        const [singbox, mihomo, linksTxt] = await Promise.all(profileUrls.map(async (u) => {
          const r = await httpGet(u);
          expect(r.status, u).toBe(200);
          return r.text();
        }));
        expect(profileProblems({ singbox, mihomo, links: linksTxt }), user).toEqual([]);
      }
    } finally {
      await stopChild(child, true);
    }
    await expect(httpGet(`http://127.0.0.1:${port}/`, 5_000)).rejects.toThrow();
  });

  it('on a busy port says which and how to pick another, and builds and prints nothing', async () => {
    const busy = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => busy.listen(port, '127.0.0.1', resolve));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) };
      delete env.FLEET_SECRET;
      // A copy of the fleet files: a refused start must write nothing, and this checks it.
      const root = join(dir, 'busy');
      for (const p of ['fleet.yaml', 'nodes', 'users']) cpSync(join(ROOT, p), join(root, p), { recursive: true });
      const r = spawnSync('npm', ['start', '--silent'], { cwd: ROOT, env: { ...env, FLEET_ROOT: root }, encoding: 'utf8', timeout: 120_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`npm start: port ${port} on 127.0.0.1 is in use by another program — pick another: PORT=8080 npm start`);
      expect(r.stderr).not.toMatch(/\n\s+at /);   // no stack trace
      expect(r.stdout).not.toContain('/s/');
      expect(existsSync(join(root, 'build'))).toBe(false);
    } finally {
      busy.close();
    }
  });
});
