// /metrics in the Prometheus text format (0.0.4), written from one status
// snapshot and the RTT histogram at each scrape: nothing is counted twice on
// the hot path, and a node that is never scraped pays nothing. Names follow
// the Prometheus conventions (timenode_ prefix, _total counters, base units
// in the name). Our own writer, not prom-client: README "Metrics" has the
// measurement that chose it.
import { RTT_BUCKETS_S, RttHistogram } from './history';
import type { NodeStatus } from './status';

type Labels = Record<string, string | number>;

class Writer {
  private readonly out: string[] = [];

  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): this {
    this.out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, value: number, labels?: Labels): this {
    this.out.push(`${name}${labelText(labels)} ${formatValue(value)}`);
    return this;
  }

  text(): string {
    return `${this.out.join('\n')}\n`;
  }
}

function labelText(labels: Labels | undefined): string {
  if (!labels) return '';
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${String(v).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function metricsText(s: NodeStatus, rtt: RttHistogram): string {
  const w = new Writer();
  w.family('timenode_info', 'gauge', 'Constant 1, labelled with what this node is.').sample('timenode_info', 1, { version: s.agent, network: s.network, node: s.node, masternode: String(s.masternode) });
  w.family('timenode_uptime_seconds', 'gauge', 'Seconds since the node started.').sample('timenode_uptime_seconds', s.uptimeMs / 1000);

  w.family('timenode_peers', 'gauge', 'Registered peers by state, direction and transport.');
  const peers = new Map<string, { labels: Labels; n: number }>();
  for (const p of s.peers) {
    const key = `${p.state}|${p.direction}|${p.transport}|${p.encrypted}`;
    const e = peers.get(key) ?? { labels: { state: p.state, direction: p.direction, transport: p.transport, encrypted: String(p.encrypted) }, n: 0 };
    e.n++;
    peers.set(key, e);
  }
  if (peers.size === 0) w.sample('timenode_peers', 0, { state: 'established', direction: 'outbound', transport: 'tcp', encrypted: 'false' });
  for (const { labels, n } of peers.values()) w.sample('timenode_peers', n, labels);
  w.family('timenode_connections', 'gauge', 'Open connections, handshaking ones included.').sample('timenode_connections', s.connections);

  w.family('timenode_peer_rtt_seconds', 'histogram', "Peers' ping round-trip time, each established peer's last RTT sampled at every history sample.");
  RTT_BUCKETS_S.forEach((le, i) => w.sample('timenode_peer_rtt_seconds_bucket', rtt.counts[i] ?? 0, { le }));
  w.sample('timenode_peer_rtt_seconds_bucket', rtt.counts[RTT_BUCKETS_S.length] ?? 0, { le: '+Inf' });
  w.sample('timenode_peer_rtt_seconds_sum', Math.round(rtt.sum * 1e6) / 1e6).sample('timenode_peer_rtt_seconds_count', rtt.count);

  w.family('timenode_messages_received_total', 'counter', 'Messages received, by type (closed connections included).');
  for (const [type, n] of sorted(s.totals.messagesIn)) w.sample('timenode_messages_received_total', n, { type });
  w.family('timenode_messages_sent_total', 'counter', 'Messages sent, by type.');
  for (const [type, n] of sorted(s.totals.messagesOut)) w.sample('timenode_messages_sent_total', n, { type });
  w.family('timenode_messages_dropped_total', 'counter', 'Messages not delivered, by type and reason (a relay finding a full send queue is the only drop, PROTOCOL.md §5).');
  w.sample('timenode_messages_dropped_total', s.totals.relayDropped, { type: 'relay', reason: 'send_queue_full' });
  w.family('timenode_unknown_messages_total', 'counter', 'Messages of a type this node does not know (counted, ignored; PROTOCOL.md §1).');
  const unknown = sorted(s.totals.unknown);
  if (unknown.length === 0) w.sample('timenode_unknown_messages_total', 0, { type: '' });
  for (const [type, n] of unknown) w.sample('timenode_unknown_messages_total', n, { type });
  w.family('timenode_rate_limit_pauses_total', 'counter', "Times a peer's reading was paused for a rate limit (slowed, not dropped).").sample('timenode_rate_limit_pauses_total', s.paced.times);
  w.family('timenode_rate_limit_paused_seconds_total', 'counter', 'Seconds of reading paused for rate limits, all peers together.').sample('timenode_rate_limit_paused_seconds_total', s.paced.ms / 1000);
  w.family('timenode_received_bytes_total', 'counter', 'Bytes read from peers, framing included.').sample('timenode_received_bytes_total', s.totals.bytesIn);
  w.family('timenode_sent_bytes_total', 'counter', 'Bytes written to peers, framing included.').sample('timenode_sent_bytes_total', s.totals.bytesOut);

  w.family('timenode_block_height', 'gauge', 'Height of the chain tip.').sample('timenode_block_height', s.height);
  w.family('timenode_sync_lag_blocks', 'gauge', 'Blocks behind the best height peers announced (0 in sync).').sample('timenode_sync_lag_blocks', Math.max(0, s.syncTarget - s.height));
  w.family('timenode_finalized_transactions_total', 'counter', 'Transactions finalized by masternode votes.').sample('timenode_finalized_transactions_total', s.finalized);
  w.family('timenode_tx_pool_transactions', 'gauge', 'Transactions in the pool, not yet in a block.').sample('timenode_tx_pool_transactions', s.txPool);
  w.family('timenode_reorgs_total', 'counter', 'Switches to a better branch (PROTOCOL.md §5 Fork choice).').sample('timenode_reorgs_total', s.reorgs);
  w.family('timenode_equivocations_total', 'counter', 'Producers seen signing two blocks at one height.').sample('timenode_equivocations_total', s.equivocations);
  w.family('timenode_bans_active', 'gauge', 'IPs banned now for misbehaviour.').sample('timenode_bans_active', s.banned);
  w.family('timenode_address_book_entries', 'gauge', 'Addresses in the address book.').sample('timenode_address_book_entries', s.addresses);

  w.family('timenode_resident_memory_bytes', 'gauge', 'Resident set size of the process.').sample('timenode_resident_memory_bytes', s.rssBytes);
  w.family('timenode_memory_budget_bytes', 'gauge', '--max-memory: the budget the structures are sized from (the runtime adds ~50 MB).').sample('timenode_memory_budget_bytes', s.budgetBytes);
  w.family('timenode_memory_budget_ratio', 'gauge', 'Resident memory over the budget.').sample('timenode_memory_budget_ratio', s.budgetBytes > 0 ? Math.round((s.rssBytes / s.budgetBytes) * 1000) / 1000 : 0);
  w.family('timenode_heap_used_bytes', 'gauge', 'V8 heap in use.').sample('timenode_heap_used_bytes', s.memory.heapUsedBytes);
  w.family('timenode_send_queue_bytes', 'gauge', 'Bytes queued to peers, all send queues together.').sample('timenode_send_queue_bytes', s.memory.sendQueueBytes);
  w.family('timenode_event_loop_delay_p99_seconds', 'gauge', 'Event-loop delay, 99th percentile over the last sampling window.').sample('timenode_event_loop_delay_p99_seconds', s.process.loopDelayP99Ms / 1000);
  w.family('timenode_event_loop_delay_max_seconds', 'gauge', 'Event-loop delay, maximum over the last sampling window.').sample('timenode_event_loop_delay_max_seconds', s.process.loopDelayMaxMs / 1000);
  w.family('timenode_open_fds', 'gauge', 'Open file descriptors.').sample('timenode_open_fds', s.process.fds);
  w.family('timenode_verify_threads', 'gauge', 'Signature-verify worker threads.').sample('timenode_verify_threads', s.verify.threads);
  w.family('timenode_verify_queue_chunks', 'gauge', 'Signature-check chunks waiting for a verify worker.').sample('timenode_verify_queue_chunks', s.verify.queuedChunks);
  w.family('timenode_verify_chunks_total', 'counter', 'Signature-check chunks verified, by where.');
  w.sample('timenode_verify_chunks_total', s.verify.workerChunks, { where: 'worker' }).sample('timenode_verify_chunks_total', s.verify.inlineChunks, { where: 'main' });
  w.family('timenode_verify_worker_crashes_total', 'counter', 'Verify worker threads that died (their work was redone).').sample('timenode_verify_worker_crashes_total', s.verify.crashes);
  w.family('timenode_hot_path_native', 'gauge', '1 when a hot path runs its native backend, 0 on the fallback.');
  for (const b of s.backends) w.sample('timenode_hot_path_native', b.kind === 'native' ? 1 : 0, { path: b.path, impl: b.impl });
  return w.text();
}

function sorted(counts: Record<string, number>): [string, number][] {
  return Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
}
