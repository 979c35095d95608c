// The raw baselines that stand in for a node process: a TCP echo server (the
// RTT baseline) that is also the "bare Node process listening" of the start
// and idle-RSS baselines. Reports {kind:'listening'} over IPC once it listens.
// Started as `timenode bench-worker echo-server HOST:PORT` (workers.ts): it
// must stay this small, as it is the bare process the node is measured against.
import { createServer } from 'node:net';

export function main(args: string[]): void {
  const [host, port] = (args[0] ?? '127.0.0.1:0').split(':') as [string, string];
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('error', () => undefined);
  });
  server.listen({ host, port: Number(port) }, () => process.send?.({ kind: 'listening' }));
  process.on('message', (msg) => {
    if (msg === 'rss') process.send?.({ kind: 'rss', rss: process.memoryUsage().rss });
  });
  process.once('SIGTERM', () => process.exit(0));
  process.once('disconnect', () => process.exit(0));
}
