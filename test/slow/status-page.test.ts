// The status page (GET / on the --metrics port) in Debian's headless
// chromium via playwright-core: it loads with no console error and no
// request to another origin, its numbers match `timenode status --json`,
// it draws the ten-minute plots, and the test saves a screenshot.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { generateKeyPair } from '../../src/crypto';
import type { NodeStatus } from '../../src/node/status';
import { removeDir, tempDir } from '../support/harness';
import { portFreeOn, TIMENODE_BIN, waitUntil, withNodes, writeGenesis, writeKeyFile } from '../support/processes';

const IP_A = '127.15.6.1';
const IP_B = '127.15.6.2';
const IP_C = '127.15.6.3';
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function statusJson(dataDir: string): NodeStatus {
  const r = spawnSync(process.execPath, [TIMENODE_BIN, 'status', '--data', dataDir, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as NodeStatus;
}

test('the status page in headless chromium: no console error, numbers as status --json, plots drawn, screenshot saved', async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
  const dir = tempDir('timenode-page-');
  try {
    const keys = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
    ['a', 'b', 'c'].forEach((n, i) => writeKeyFile(join(dir, n), keys[i]!));
    // No node holds a masternode key: no blocks, so the height the page shows is the height status shows.
    const { file } = writeGenesis(dir, [generateKeyPair()], { interval: 500, time: Date.now() });
    const port = await portFreeOn([IP_A, IP_B, IP_C]);
    const metricsPort = await portFreeOn([IP_A], 34300);
    await withNodes(async (group) => {
      const a = group.spawn({ name: 'A', ip: IP_A, port, dataDir: join(dir, 'a'), genesisFile: file, extraArgs: ['--metrics', `${IP_A}:${metricsPort}`] });
      group.spawn({ name: 'B', ip: IP_B, port, dataDir: join(dir, 'b'), genesisFile: file, peers: [`${IP_A}:${port}`] });
      group.spawn({ name: 'C', ip: IP_C, port, dataDir: join(dir, 'c'), genesisFile: file, peers: [`${IP_A}:${port}`] });
      await waitUntil('A with two established peers', async () => (await a.status()).peers.filter((p) => p.state === 'established').length === 2);
      const origin = `http://${IP_A}:${metricsPort}`;
      const html = await (await fetch(`${origin}/`)).text();
      assert.ok(html.length < 10_000, `the page is ${html.length} bytes`);
      assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'no external asset');

      const context = await chromium.launchPersistentContext(tempDir('timenode-chromium-'), { executablePath: CHROMIUM, headless: true, args: FLAGS });
      try {
        const page = await context.newPage();
        const problems: string[] = [];
        const requests: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
        });
        page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        page.on('request', (r) => requests.push(r.url()));
        await page.goto(`${origin}/`, { waitUntil: 'load' });
        await page.waitForSelector('body[data-updated]', { timeout: 10_000 });
        const s = statusJson(join(dir, 'a'));
        const text = async (id: string): Promise<string> => (await page.textContent(`#${id}`)) ?? '';
        assert.equal(await text('node'), s.node);
        assert.equal(await text('network'), s.network);
        assert.equal(await text('genesis'), s.genesis);
        assert.equal(await text('height'), String(s.height));
        assert.equal(await text('budget'), (s.budgetBytes / 1048576).toFixed(1));
        assert.equal(await text('peer-count'), String(s.peers.length));
        const rowKeys = await page.$$eval('#peers tbody tr', (rows) => rows.map((r) => r.getAttribute('data-key') ?? ''));
        assert.deepEqual([...rowKeys].sort(), s.peers.map((p) => p.key).sort(), 'one row per peer, by node key');
        const rss = Number(await text('rss'));
        assert.ok(Math.abs(rss - s.rssBytes / 1048576) < 20, `page rss ${rss} MB vs status ${s.rssBytes / 1048576} MB`);
        assert.equal(await page.locator('#plots .plot svg').count(), 5, 'five plots');
        assert.ok((await page.locator('#plots polyline').count()) >= 5);
        for (const url of requests) assert.ok(url.startsWith(origin), `request to another origin: ${url}`);
        const shot = join(tmpdir(), 'timenode-status-page.png');
        await page.screenshot({ path: shot, fullPage: true });
        assert.ok(statSync(shot).size > 5000, 'a screenshot with content');
        process.stdout.write(`status page screenshot: ${shot}\n`);
        assert.deepEqual(problems, [], 'no console error or warning');
      } finally {
        await context.close();
      }
    });
  } finally {
    removeDir(dir);
  }
});
