// The relay's raw baseline: a process that reads `u32be length || payload`
// frames from the first connection it accepts and writes each complete frame
// to a fixed destination, nothing else. What a relay costs with no decoding,
// no checks, no signatures: the wire's own speed on this machine.
// Started as `timenode bench-worker frame-pipe LISTEN_AT FORWARD_TO` (workers.ts).
import { connect, createServer, Socket } from 'node:net';

export function main(args: string[]): void {
  const [listenAt, forwardTo] = args as [string, string];
  const [host, port] = listenAt.split(':') as [string, string];
  const [toHost, toPort] = forwardTo.split(':') as [string, string];

  const out: Socket = connect({ host: toHost, port: Number(toPort) }, () => {
    out.setNoDelay(true);
    const server = createServer((inp) => {
      server.close();
      let pending: Buffer = Buffer.alloc(0);
      inp.on('data', (chunk: Buffer) => {
        const buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        let at = 0;
        while (buf.length - at >= 4) {
          const end = at + 4 + buf.readUInt32BE(at);
          if (end > buf.length) break;
          at = end;
        }
        // Whole frames go on at once, the partial tail waits for the next chunk.
        if (at > 0 && !out.write(buf.subarray(0, at))) {
          inp.pause();
          out.once('drain', () => inp.resume());
        }
        pending = buf.subarray(at);
      });
      inp.on('error', () => undefined);
    });
    server.listen({ host, port: Number(port) }, () => process.send?.({ kind: 'listening' }));
  });
  out.on('error', (err) => {
    process.stderr.write(`frame-pipe: ${err.message}\n`);
    process.exit(1);
  });
  process.once('SIGTERM', () => process.exit(0));
  process.once('disconnect', () => process.exit(0));
}
