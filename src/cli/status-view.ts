// The devnet's live view: one block per node with its peers (direction,
// state, RTT, height) and its messages in/out by type. Pure text in, text
// out, so it is tested without a terminal.
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
      `${n.name} ${n.listen}  pid ${n.pid ?? '-'}  key ${s.node.slice(0, 12)}  height ${s.height}  finalized ${s.finalized}  pool ${s.txPool}  peers ${s.peers.length}  conns ${s.connections}  rss ${(s.rssBytes / 1048576).toFixed(1)} MB${s.masternode ? '  masternode' : ''}`,
    );
    for (const p of s.peers) {
      const rtt = p.rttMs === undefined ? '   -   ' : `${p.rttMs.toFixed(0).padStart(3)} ms`;
      const up = Math.round((now - p.establishedAt) / 1000);
      lines.push(`    ${p.direction === 'outbound' ? '->' : '<-'} ${p.ip.padEnd(15)} ${p.direction.padEnd(8)} ${p.state.padEnd(11)} rtt ${rtt}  height ${String(p.height).padStart(5)}  up ${up}s  missed ${p.missedPongs}`);
      const line = p.serial;
      if (line) {
        lines.push(
          `       serial ${line.path} ${line.baud} baud  in ${line.bytesPerSecIn} B/s  out ${line.bytesPerSecOut} B/s  crc drops ${line.crcDrops}  refused large ${line.refusedLarge}  frame cap ${line.frameCap} B`,
        );
      }
    }
    for (const link of s.serialLinks ?? []) {
      if (s.peers.some((p) => p.serial?.path === link.path)) continue;
      const why = link.open ? 'port open, handshaking' : `port closed, reopening${link.lastError ? ` (${link.lastError})` : ''}`;
      lines.push(`    -- serial ${link.path} ${link.baud} baud: ${why}`);
    }
    const m = s.memory;
    lines.push(
      `    memory: heap ${(m.heapUsedBytes / 1048576).toFixed(1)} MB  send queues ${m.sendQueueBytes} B  inbound ${m.inboundFrameBytes} B  seen ${m.seenIds}  pool ${m.poolTxs} txs  addresses ${m.addresses}  dropped relay ${s.dropped.relay}  paced ${s.paced.times}x ${s.paced.ms} ms`,
    );
    const pr = s.process;
    if (pr) lines.push(`    process: loop p99 ${pr.loopDelayP99Ms} ms  max ${pr.loopDelayMaxMs} ms  fds ${pr.fds}  timers ${pr.timers}  timeouts ${pr.timeouts}  handles ${pr.handles}`);
    lines.push(`    hot paths: ${s.backends.map((b) => `${b.path} ${b.kind === 'native' ? 'native' : 'FALLBACK'}`).join('  ')}`);
    lines.push(`    in:  ${formatCounts(s.messagesIn)}`);
    lines.push(`    out: ${formatCounts(s.messagesOut)}`);
    if (Object.keys(s.unknown).length > 0) lines.push(`    unknown: ${formatCounts(s.unknown)}`);
    lines.push('');
  }
  return lines.join('\n');
}

function formatCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k} ${v}`).join('  ');
}
