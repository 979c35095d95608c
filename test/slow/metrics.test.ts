// --metrics IP:PORT against a real node with two peers: /metrics parsed by an
// independent Prometheus text-format parser (parse-prometheus-text-format),
// every expected series present, named by the conventions, and moving
// between two scrapes; the scrape's cost measured.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import parsePrometheusTextFormat, { PromFamily } from 'parse-prometheus-text-format';
import { generateKeyPair } from '../../src/crypto';
import { removeDir, tempDir } from '../support/harness';
import { portFreeOn, waitUntil, withNodes, writeGenesis, writeKeyFile } from '../support/processes';

const IP_A = '127.15.5.1';
const IP_B = '127.15.5.2';
const IP_C = '127.15.5.3';

const EXPECTED: [string, PromFamily['type']][] = [
  ['timenode_info', 'GAUGE'],
  ['timenode_peers', 'GAUGE'],
  ['timenode_peer_rtt_seconds', 'HISTOGRAM'],
  ['timenode_messages_received_total', 'COUNTER'],
  ['timenode_messages_sent_total', 'COUNTER'],
  ['timenode_messages_dropped_total', 'COUNTER'],
  ['timenode_unknown_messages_total', 'COUNTER'],
  ['timenode_received_bytes_total', 'COUNTER'],
  ['timenode_sent_bytes_total', 'COUNTER'],
  ['timenode_block_height', 'GAUGE'],
  ['timenode_sync_lag_blocks', 'GAUGE'],
  ['timenode_finalized_transactions_total', 'COUNTER'],
  ['timenode_bans_active', 'GAUGE'],
  ['timenode_reorgs_total', 'COUNTER'],
  ['timenode_resident_memory_bytes', 'GAUGE'],
  ['timenode_memory_budget_bytes', 'GAUGE'],
  ['timenode_event_loop_delay_p99_seconds', 'GAUGE'],
  ['timenode_verify_queue_chunks', 'GAUGE'],
];

async function scrape(url: string): Promise<{ families: Map<string, PromFamily>; ms: number; bytes: number }> {
  const t0 = process.hrtime.bigint();
  const res = await fetch(url);
  const text = await res.text();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return { families: new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f])), ms, bytes: text.length };
}

function value(f: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number {
  const m = f.get(name)?.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
  assert.ok(m, `${name} ${JSON.stringify(labels)} present`);
  return Number(m.value);
}

test('/metrics: parsed by an independent parser, expected series present and by convention, counters moving', async () => {
  const dir = tempDir('timenode-metrics-');
  try {
    const keys = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
    ['a', 'b', 'c'].forEach((n, i) => writeKeyFile(join(dir, n), keys[i]!));
    const { file } = writeGenesis(dir, [keys[0]!], { interval: 500, time: Date.now() });
    const port = await portFreeOn([IP_A, IP_B, IP_C]);
    const metricsPort = await portFreeOn([IP_A], 34300);
    await withNodes(async (group) => {
      const a = group.spawn({ name: 'A', ip: IP_A, port, dataDir: join(dir, 'a'), genesisFile: file, extraArgs: ['--metrics', `${IP_A}:${metricsPort}`] });
      group.spawn({ name: 'B', ip: IP_B, port, dataDir: join(dir, 'b'), genesisFile: file, peers: [`${IP_A}:${port}`] });
      group.spawn({ name: 'C', ip: IP_C, port, dataDir: join(dir, 'c'), genesisFile: file, peers: [`${IP_A}:${port}`] });
      await waitUntil('A with two established peers with an RTT', async () => (await a.status()).peers.filter((p) => p.rttMs !== undefined).length === 2);
      const url = `http://${IP_A}:${metricsPort}/metrics`;
      await waitUntil('an RTT observed by the sampler', async () => Number((await scrape(url)).families.get('timenode_peer_rtt_seconds')?.metrics[0]?.count ?? 0) > 0);
      const first = await scrape(url);
      for (const [name, type] of EXPECTED) assert.equal(first.families.get(name)?.type, type, `${name} is a ${type}`);
      for (const f of first.families.values()) {
        assert.match(f.name, /^timenode_[a-z0-9_]+$/, 'snake case with the timenode_ prefix');
        if (f.type === 'COUNTER') assert.match(f.name, /_total$/, `counter ${f.name} ends in _total`);
        else assert.doesNotMatch(f.name, /_total$/, `${f.name} is not a counter but ends in _total`);
        assert.ok(f.help.length > 10, `${f.name} has help`);
      }
      assert.equal(value(first.families, 'timenode_peers', { state: 'established', direction: 'inbound', transport: 'tcp' }), 2);
      assert.ok(value(first.families, 'timenode_memory_budget_bytes') > 0);
      const rtt = first.families.get('timenode_peer_rtt_seconds')!.metrics[0]!;
      assert.equal(rtt.buckets?.['+Inf'], rtt.count, 'the +Inf bucket holds every observation');

      const second = await waitUntil('a later scrape with more pings, bytes and blocks', async () => {
        const s = await scrape(url);
        return value(s.families, 'timenode_block_height') > value(first.families, 'timenode_block_height') &&
          value(s.families, 'timenode_messages_received_total', { type: 'ping' }) > value(first.families, 'timenode_messages_received_total', { type: 'ping' }) ? s : undefined;
      });
      assert.ok(value(second.families, 'timenode_received_bytes_total') > value(first.families, 'timenode_received_bytes_total'));
      assert.ok(value(second.families, 'timenode_sent_bytes_total') > value(first.families, 'timenode_sent_bytes_total'));

      // The scrape's cost, as a scraper sees it (the node renders from one status snapshot).
      const times: number[] = [];
      for (let i = 0; i < 200; i++) times.push((await scrape(url)).ms);
      times.sort((x, y) => x - y);
      process.stdout.write(`scrape: ${first.bytes} bytes, median ${times[100]!.toFixed(2)} ms, p99 ${times[198]!.toFixed(2)} ms over 200 scrapes\n`);
      assert.ok(times[100]! < 50, `median scrape ${times[100]} ms`);

      const missing = await fetch(`http://${IP_A}:${metricsPort}/nope`);
      assert.equal(missing.status, 404);
      const post = await fetch(url, { method: 'POST' });
      assert.equal(post.status, 405);
    });
  } finally {
    removeDir(dir);
  }
});
