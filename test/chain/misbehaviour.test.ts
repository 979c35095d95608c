import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BANS_FILE, BAN_THRESHOLD, BanList, DEFAULT_BAN_MS, SCORE } from '../../src/chain/misbehaviour';

const NOW = 1767225600000;

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'timenode-bans-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('bans: constants are those of §5', () => {
  assert.deepEqual(SCORE, { protocol: 20, invalidObject: 50 }, 'going over a rate limit costs nothing (§5)');
  assert.equal(BAN_THRESHOLD, 100);
  assert.equal(DEFAULT_BAN_MS, 24 * 3600 * 1000);
});

test('bans: five protocol errors ban', () => {
  const bans = new BanList(undefined, {});
  for (let i = 1; i <= 4; i++) assert.deepEqual(bans.offence('10.0.0.1', 'protocol', NOW), { score: 20 * i, banned: false });
  assert.equal(bans.isBanned('10.0.0.1', NOW), undefined);
  assert.deepEqual(bans.offence('10.0.0.1', 'protocol', NOW, 'float for an integer in hello.height'), { score: 100, banned: true });
  const ban = bans.isBanned('10.0.0.1', NOW);
  assert.ok(ban);
  assert.equal(ban.until, NOW + DEFAULT_BAN_MS);
  assert.match(ban.reason, /score 100/);
  assert.match(ban.reason, /protocol×5/);
  assert.match(ban.reason, /float for an integer/);
  // Already banned: not scored again, and "banned" is reported only once.
  assert.deepEqual(bans.offence('10.0.0.1', 'invalidObject', NOW), { score: 0, banned: false });
  assert.equal(bans.scoredCount, 0, 'the score is reset when the ban is applied');
});

test('bans: two invalid objects ban; mixed offences add up; others are unaffected', () => {
  const bans = new BanList(undefined, {});
  assert.deepEqual(bans.offence('10.0.0.2', 'invalidObject', NOW), { score: 50, banned: false });
  assert.deepEqual(bans.offence('10.0.0.2', 'invalidObject', NOW), { score: 100, banned: true });
  bans.offence('10.0.0.3', 'invalidObject', NOW);
  bans.offence('10.0.0.3', 'protocol', NOW);
  bans.offence('10.0.0.3', 'protocol', NOW);
  assert.equal(bans.isBanned('10.0.0.3', NOW), undefined);
  assert.deepEqual(bans.offence('10.0.0.3', 'protocol', NOW), { score: 110, banned: true });
  assert.equal(bans.isBanned('10.0.0.4', NOW), undefined);
  assert.deepEqual(bans.banned(NOW).map((b) => b.ip).sort(), ['10.0.0.2', '10.0.0.3']);
});

test('bans: an IPv4-mapped address is the same IP', () => {
  const bans = new BanList(undefined, {});
  bans.offence('::ffff:10.0.0.5', 'invalidObject', NOW);
  bans.offence('10.0.0.5', 'invalidObject', NOW);
  assert.ok(bans.isBanned('10.0.0.5', NOW));
  assert.ok(bans.isBanned('::ffff:10.0.0.5', NOW));
});

test('bans: expiry', () => {
  const bans = new BanList(undefined, { banMs: 1000 });
  bans.offence('10.0.0.1', 'invalidObject', NOW);
  bans.offence('10.0.0.1', 'invalidObject', NOW);
  assert.ok(bans.isBanned('10.0.0.1', NOW + 999));
  assert.equal(bans.isBanned('10.0.0.1', NOW + 1000), undefined);
  assert.deepEqual(bans.banned(NOW + 1000), []);
  // After expiry the IP starts from a clean score.
  assert.deepEqual(bans.offence('10.0.0.1', 'invalidObject', NOW + 1000), { score: 50, banned: false });
});

test('bans: persisted atomically and reloaded; expired ones dropped at load', (t) => {
  const dir = tempDir(t);
  const first = new BanList(dir, { banMs: 10_000 });
  first.load(NOW);
  first.offence('10.0.0.1', 'invalidObject', NOW);
  first.offence('10.0.0.1', 'invalidObject', NOW);
  first.offence('2001:db8::1', 'invalidObject', NOW + 5000);
  first.offence('2001:db8::1', 'invalidObject', NOW + 5000);
  assert.deepEqual(fs.readdirSync(dir), [BANS_FILE], 'no temp file left behind');
  const onDisk = JSON.parse(fs.readFileSync(path.join(dir, BANS_FILE), 'utf8')) as { ip: string; until: number }[];
  assert.equal(onDisk.length, 2);

  const second = new BanList(dir, { banMs: 10_000 });
  second.load(NOW + 1);
  const ban = second.isBanned('10.0.0.1', NOW + 1);
  assert.equal(ban?.until, NOW + 10_000);
  assert.match(ban?.reason ?? '', /invalidObject×2/);
  assert.ok(second.isBanned('2001:db8:0:0:0:0:0:1', NOW + 1), 'IPv6 keys are canonical');

  const lines: string[] = [];
  const third = new BanList(dir, { banMs: 10_000 }, (l) => lines.push(l));
  third.load(NOW + 10_000);
  assert.equal(third.isBanned('10.0.0.1', NOW + 10_000), undefined);
  assert.ok(third.isBanned('2001:db8::1', NOW + 10_000));
  assert.ok(lines.some((l) => l.includes('dropped 1 expired')), lines.join('\n'));
});

test('bans: unban lifts the ban and survives a reload', (t) => {
  const dir = tempDir(t);
  const bans = new BanList(dir, {});
  bans.offence('10.0.0.7', 'invalidObject', NOW);
  bans.offence('10.0.0.7', 'invalidObject', NOW);
  assert.equal(bans.unban('10.0.0.7', NOW), true);
  assert.equal(bans.unban('10.0.0.7', NOW), false);
  assert.equal(bans.isBanned('10.0.0.7', NOW), undefined);
  const again = new BanList(dir, {});
  again.load(NOW);
  assert.equal(again.isBanned('10.0.0.7', NOW), undefined);
});

test('bans: a corrupt or missing file is logged and ignored, never fatal', (t) => {
  const dir = tempDir(t);
  const lines: string[] = [];
  const missing = new BanList(dir, {}, (l) => lines.push(l));
  missing.load(NOW);
  assert.equal(lines.length, 0, 'a missing file is a fresh node, not a problem');

  fs.writeFileSync(path.join(dir, BANS_FILE), '[{"ip": "10.0.0.1", "until": 17');
  const torn = new BanList(dir, {}, (l) => lines.push(l));
  torn.load(NOW);
  assert.deepEqual(torn.banned(NOW), []);
  assert.ok(lines.some((l) => l.includes('not valid JSON')), lines.join('\n'));
  // The next ban rewrites a whole file.
  torn.offence('10.0.0.2', 'invalidObject', NOW);
  torn.offence('10.0.0.2', 'invalidObject', NOW);
  assert.equal((JSON.parse(fs.readFileSync(path.join(dir, BANS_FILE), 'utf8')) as unknown[]).length, 1);

  fs.writeFileSync(path.join(dir, BANS_FILE), '{"ip": "10.0.0.1"}');
  lines.length = 0;
  new BanList(dir, {}, (l) => lines.push(l)).load(NOW);
  assert.ok(lines.some((l) => l.includes('expected a JSON array')), lines.join('\n'));

  fs.writeFileSync(path.join(dir, BANS_FILE), JSON.stringify([{ ip: '10.0.0.3', until: NOW + 1000, reason: 'x' }, { ip: 5 }, null, 'junk']));
  lines.length = 0;
  const partial = new BanList(dir, {}, (l) => lines.push(l));
  partial.load(NOW);
  assert.deepEqual(partial.banned(NOW), [{ ip: '10.0.0.3', until: NOW + 1000, reason: 'x' }]);
  assert.ok(lines.some((l) => l.includes('skipped 3')), lines.join('\n'));
});

test('bans: a failed save is logged, and the ban still holds in memory', (t) => {
  const dir = tempDir(t);
  const notADir = path.join(dir, 'file');
  fs.writeFileSync(notADir, 'x');
  const lines: string[] = [];
  const bans = new BanList(notADir, {}, (l) => lines.push(l));
  bans.offence('10.0.0.1', 'invalidObject', NOW);
  assert.deepEqual(bans.offence('10.0.0.1', 'invalidObject', NOW), { score: 100, banned: true });
  assert.ok(bans.isBanned('10.0.0.1', NOW));
  assert.ok(lines.some((l) => l.includes('could not save')), lines.join('\n'));
});

test('bans: the score map is bounded, least recently scored evicted', () => {
  const bans = new BanList(undefined, { maxScored: 3 });
  for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) bans.offence(ip, 'protocol', NOW);
  bans.offence('10.0.0.1', 'protocol', NOW); // now the most recent
  bans.offence('10.0.0.4', 'protocol', NOW); // evicts 10.0.0.2
  assert.equal(bans.scoredCount, 3);
  assert.deepEqual(bans.offence('10.0.0.2', 'protocol', NOW), { score: 20, banned: false }, 'forgotten, starts over');
  assert.deepEqual(bans.offence('10.0.0.1', 'protocol', NOW), { score: 60, banned: false }, 'kept its score');
  for (let i = 0; i < 1000; i++) bans.offence(`10.1.${i >> 8}.${i & 0xff}`, 'protocol', NOW);
  assert.equal(bans.scoredCount, 3);
});

test('bans: the ban list is bounded, oldest ban lifted first', () => {
  const bans = new BanList(undefined, { maxBanned: 2 });
  for (const [i, ip] of ['10.0.0.1', '10.0.0.2', '10.0.0.3'].entries()) {
    bans.offence(ip, 'invalidObject', NOW + i);
    bans.offence(ip, 'invalidObject', NOW + i);
  }
  assert.deepEqual(bans.banned(NOW).map((b) => b.ip), ['10.0.0.2', '10.0.0.3']);
  assert.equal(bans.isBanned('10.0.0.1', NOW), undefined);
});
