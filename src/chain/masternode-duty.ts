// What a masternode owes the network (PROTOCOL.md §5): its `ann` to each peer
// as the connection is established and to all every 10 intervals, and an
// `hb` every interval. A node whose key is not in the genesis set does none.
import type { KeyPair } from '../crypto';
import type { PeerConnection } from '../net/peer-connection';
import type { Scheduler, Task } from '../net/scheduler';
import type { Genesis } from './genesis';
import { signAnn, signHb } from './signing';
import type { Ann, Hb } from './types';

export const ANN_EVERY_INTERVALS = 10;

export interface DutyOutlet {
  height(): number;
  /** Our own ann/hb: accept into the registry and relay to everyone. */
  ownAnn(ann: Ann): void;
  ownHb(hb: Hb): void;
}

export class MasternodeDuty {
  private ann: Ann | undefined;
  // Seq starts at the wall clock so it still grows after a restart: peers ignore an hb not newer than the last (§5).
  private seq: number;
  private timer: Task | undefined;
  private tick = 0;
  private stopped = false;
  /** The key and the genesis set are fixed for the process; asked for every tx the chain accepts. */
  readonly isMasternode: boolean;

  constructor(
    private readonly keys: KeyPair,
    private readonly genesis: Genesis,
    private readonly endpoint: { ip: string; port: number },
    private readonly scheduler: Scheduler,
    private readonly outlet: DutyOutlet,
  ) {
    this.seq = scheduler.now();
    this.isMasternode = genesis.masternodes.some((k) => k.equals(keys.publicKey));
  }

  start(): void {
    if (!this.isMasternode) return;
    this.beat();
  }

  stop(): void {
    this.stopped = true;
    this.scheduler.cancel(this.timer);
  }

  peerEstablished(peer: PeerConnection): void {
    if (this.ann) peer.send({ type: 'masternode', ann: this.ann });
  }

  private beat(): void {
    if (this.stopped) return;
    const now = this.scheduler.now();
    if (this.tick % ANN_EVERY_INTERVALS === 0) {
      this.ann = signAnn(this.keys, { ip: this.endpoint.ip, port: this.endpoint.port, time: now });
      this.outlet.ownAnn(this.ann);
    }
    this.tick++;
    this.outlet.ownHb(signHb(this.keys, { seq: ++this.seq, time: now, height: this.outlet.height() }));
    this.timer = this.scheduler.after(this.genesis.interval, () => this.beat());
  }
}
