// A connection's payloads as messages: opened (on an encrypted link, §8),
// read (pings and txs by position, everything else by the general decoder), and
// unknown types counted and logged once per type per run (§1), never fatal.
import type { Logger } from '../base/log';
import { readMessage } from '../wire/fast-paths';
import type { SecureFraming } from './secure-framing';
import type { TrafficCounters, UnknownTypeLog } from './traffic';
import type { Decoded } from './verify-ahead';

export class InboundDecoder {
  constructor(
    private readonly framing: SecureFraming,
    private readonly traffic: TrafficCounters,
    private readonly unknownTypes: UnknownTypeLog,
    private readonly log: Logger,
  ) {}

  /** A payload as a message or its fault; 'skip' for a serial frame that did not open (dropped and counted) or an unknown type. */
  decode(payload: Buffer): Decoded | 'skip' {
    let msg;
    try {
      const plain = this.framing.open(payload);
      if (plain === undefined) return 'skip';
      msg = readMessage(plain);
    } catch (err) {
      return { fault: err };
    }
    if ('unknown' in msg) {
      this.traffic.countUnknown(msg.type);
      if (this.unknownTypes.firstSighting(msg.type)) this.log.warn(`unknown message type "${msg.type}" (counted, ignored; logged once)`);
      return 'skip';
    }
    this.traffic.countIn(msg.type);
    return msg;
  }
}
