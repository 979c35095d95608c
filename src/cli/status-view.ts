// A node's status as text, for `timenode status` and the devnet's live view
// (one block per node): its peers (key, direction, transport, encryption,
// state, RTT, height, queue use, score), memory against the budget, hot
// paths, messages by type. Pure text in, text out, so it is tested without
// a terminal.
import type { NodeStatus } from '../node/status';

export interface ViewedNode {
  name: string;
  listen: string;
  pid: number | undefined;
  status: NodeStatus | undefined;
  exited: string | undefined;
}

export function renderStatus(nodes: ViewedNode[], now: number, header: string): string {
  const lines: string[] = [header, ''];
  for (const n of nodes) {
    const s = n.status;
    if (n.exited) {
      lines.push(`${n.name} ${n.listen}  EXITED: ${n.exited}`, '');
      continue;
    }
    if (!s) {
      lines.push(`${n.name} ${n.listen}  starting…`, '');
      continue;
    }
    lines.push(
      `${n.name} ${n.listen}  pid ${n.pid ?? '-'}  key ${s.node.slice(0, 12)}  height ${s.height}  finalized ${s.finalized}  pool ${s.txPool}  peers ${s.peers.length}  conns ${s.connections}  rss ${mb(s.rssBytes)} MB${s.masternode ? '  masternode' : ''}`,
      ...nodeDetails(s, now),
    );
    lines.push('');
  }
  return lines.join('\n');
}

/** Everything under a node's title line: one line per peer, then memory, process, hot paths and message counts. */
export function nodeDetails(s: NodeStatus, now: number): string[] {
  const out: string[] = [];
  for (const p of s.peers) {
    const rtt = p.rttMs === undefined ? '   -   ' : `${p.rttMs.toFixed(0).padStart(3)} ms`;
    const up = Math.round((now - p.establishedAt) / 1000);
    const queue = p.queueCapacityBytes > 0 ? `${Math.round((100 * p.queuedBytes) / p.queueCapacityBytes)}%` : `${p.queuedBytes} B`;
    out.push(
      `    ${p.direction === 'outbound' ? '->' : '<-'} ${p.ip.padEnd(15)} ${(p.key || '-').slice(0, 12).padEnd(12)} ${p.direction.padEnd(8)} ${p.transport} ${p.encrypted ? 'encrypted' : 'plaintext'} ${p.state.padEnd(11)} rtt ${rtt}  height ${String(p.height).padStart(5)}  queue ${queue}  score ${p.score}  up ${up}s  missed ${p.missedPongs}`,
    );
    const line = p.serial;
    if (line) {
      out.push(
        `       serial ${line.path} ${line.baud} baud  in ${line.bytesPerSecIn} B/s  out ${line.bytesPerSecOut} B/s  crc drops ${line.crcDrops} (unopened ${line.unopened}, lost ${line.lost})  refused large ${line.refusedLarge}  frame cap ${line.frameCap} B`,
      );
    }
  }
  for (const link of s.serialLinks ?? []) {
    if (s.peers.some((p) => p.serial?.path === link.path)) continue;
    const why = link.open ? 'port open, handshaking' : `port closed, reopening${link.lastError ? ` (${link.lastError})` : ''}`;
    out.push(`    -- serial ${link.path} ${link.baud} baud: ${why}`);
  }
  const m = s.memory;
  out.push(
    `    memory: heap ${(m.heapUsedBytes / 1048576).toFixed(1)} MB  send queues ${m.sendQueueBytes} B  inbound ${m.inboundFrameBytes} B  seen ${m.seenIds}  pool ${m.poolTxs} txs  addresses ${m.addresses}`,
    `    dropped: ${s.dropped.relay} relays (a peer's send queue was full)  paced: ${s.paced.times} times, ${s.paced.ms} ms (over a rate limit; slowed, not dropped)`,
  );
  const pr = s.process;
  if (pr) out.push(`    process: loop p99 ${pr.loopDelayP99Ms} ms  max ${pr.loopDelayMaxMs} ms  fds ${pr.fds}  timers ${pr.timers}  timeouts ${pr.timeouts}  handles ${pr.handles}  heap total ${mb(pr.heapTotalBytes)} MB  external ${mb(pr.externalBytes)} MB  buffers ${mb(pr.arrayBuffersBytes)} MB`);
  out.push(`    hot paths: ${s.backends.map((b) => `${b.path} ${b.impl}`).join('  ')}`);
  out.push(`    in:  ${formatCounts(s.messagesIn)}`);
  out.push(`    out: ${formatCounts(s.messagesOut)}`);
  if (Object.keys(s.unknown).length > 0) out.push(`    unknown: ${formatCounts(s.unknown)}`);
  return out;
}

/** The whole of `timenode status`: identity, network, chain and sync, then the details. */
export function renderNodeStatus(s: NodeStatus, now: number): string {
  const lag = Math.max(0, s.syncTarget - s.height);
  const sync = lag === 0 ? 'in sync' : `syncing: ${s.height} of ${s.syncTarget} (${Math.floor((100 * s.height) / Math.max(1, s.syncTarget))}%, ${lag} behind)`;
  const lines = [
    `node     ${s.node}${s.masternode ? '  (masternode)' : ''}`,
    `agent    ${s.agent}  pid ${s.pid}  up ${Math.round(s.uptimeMs / 1000)} s  listening on port ${s.listen}`,
    `network  ${s.network}  genesis ${s.genesis}`,
    `chain    height ${s.height}  tip ${s.tip}  ${sync}`,
    `         finalized ${s.finalized}  pool ${s.txPool} txs  equivocations ${s.equivocations}  banned ${s.banned}  addresses ${s.addresses}`,
    `memory   rss ${mb(s.rssBytes)} MB of a ${mb(s.budgetBytes)} MB budget (plus the runtime's own ~50 MB)`,
    `peers    ${s.peers.filter((p) => p.state === 'established').length} established, ${s.connections} connections`,
    ...nodeDetails(s, now),
  ];
  return lines.join('\n') + '\n';
}

function mb(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k} ${v}`).join('  ');
}
