// The codec as the node runs it: a ping or a tx laid out as our encoder lays
// it out is read by position (liveness-codec.ts, tx-codec.ts), anything else
// by the general decoder, which judges it; a tx is written by position, the
// rest by the general encoder. Tests that measure what the node keeps of a
// decoded message (the pool's cost of a tx) decode through here too.
import { readPing } from './liveness-codec';
import { decodeMessage, encodeMessage, type Message, type UnknownMessage } from './messages';
import { readTx, writeTx } from './tx-codec';

export function readMessage(payload: Buffer): Message | UnknownMessage {
  return readPing(payload) ?? readTx(payload) ?? decodeMessage(payload);
}

export function writeMessage(msg: Message): Buffer {
  return (msg.type === 'tx' ? writeTx(msg.tx) : undefined) ?? encodeMessage(msg);
}
