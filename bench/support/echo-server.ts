// The raw baselines that stand in for a node process: a TCP echo server (the
// RTT baseline) that is also the "bare Node process listening" of the start
// and idle-RSS baselines. Reports {kind:'listening'} over IPC once it listens.
import { createServer } from 'node:net';

const [host, port] = (process.argv[2] ?? '127.0.0.1:0').split(':') as [string, string];
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
