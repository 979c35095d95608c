// For the serial-link tests: linked pseudo-terminal pairs (Debian's socat
// makes two ptys joined back to back and links them at the given paths, so
// two nodes opened on them talk as over a null-modem cable), and the serial
// peer of a node's status.
import { ChildProcess, spawn } from 'node:child_process';
import type { NodeStatus, PeerStatus } from '../../src/node/status';

/** The established serial peer of a status, if any. */
export function serialPeer(s: NodeStatus | undefined): PeerStatus | undefined {
  return s?.peers.find((p) => p.state === 'established' && p.serial !== undefined);
}

export class PtyPair {
  private readonly child: ChildProcess;
  /** Resolves once socat has made both ptys and their links. */
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  private stderr = '';

  constructor(
    readonly a: string,
    readonly b: string,
  ) {
    this.child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr?.setEncoding('utf8');
    this.exited = new Promise((done) => this.child.once('exit', () => done()));
    this.ready = new Promise((resolve, reject) => {
      const onData = (chunk: string): void => {
        this.stderr += chunk;
        // socat -d -d logs "starting data transfer loop" once both ptys exist and are linked.
        if (this.stderr.includes('starting data transfer loop')) {
          this.child.stderr?.off('data', onData);
          this.child.stderr?.resume();
          resolve();
        }
      };
      this.child.stderr?.on('data', onData);
      this.child.once('error', (err) => reject(new Error(`socat did not start (is it installed? apt-get install socat): ${err.message}`)));
      this.child.once('exit', (code) => reject(new Error(`socat exited with ${code} before linking the ptys: ${this.stderr}`)));
    });
  }

  static async open(a: string, b: string): Promise<PtyPair> {
    const pair = new PtyPair(a, b);
    await pair.ready;
    return pair;
  }

  /** Ends socat: both ptys vanish, as an unplugged USB adapter does. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }
}
