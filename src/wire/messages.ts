// TNP/1 messages (PROTOCOL.md §3): one schema per type, a tagged union for
// the decoded result, and the encoder. The schema table is typed so the
// compiler refuses a message type without a schema.
import { decodeCbor, encodeCbor } from './cbor';
import { RejectCode, WireError } from './errors';
import { array, bool, bytes, Check, isMap, oneOf, record, text, u64, uint } from './schema';

export const PROTOCOL_VERSION = 1;

/** Bounds of §3 and §4 that are not a plain field size. */
export const LIMITS = {
  networkBytes: 32,
  agentBytes: 64,
  reasonBytes: 256,
  /** §3 does not bound an address's text; 64 bytes holds any IPv6 literal with a zone. */
  ipBytes: 64,
  rejectCodeBytes: 32,
  peers: 256,
  txInputs: 64,
  txOutputs: 64,
  finalizedVotes: 1024,
  blockTxids: 10000,
  blocksPerAnswer: 500,
} as const;

const b8 = bytes(8);
const b32 = bytes(32);
const b64 = bytes(64);

const txSchema = record({
  from: b32,
  inputs: array(LIMITS.txInputs, record({ txid: b32, index: uint })),
  outputs: array(LIMITS.txOutputs, record({ to: b32, amount: u64 })),
  time: uint,
  sig: b64,
});
const voteSchema = record({ txid: b32, voter: b32, accept: bool, sig: b64 });
const blockSchema = record({
  height: uint,
  prev: b32,
  time: uint,
  txids: array(LIMITS.blockTxids, b32),
  producer: b32,
  sig: b64,
});
const annSchema = record({ node: b32, ip: text(LIMITS.ipBytes), port: uint, time: uint, sig: b64 });
const hbSchema = record({ node: b32, seq: uint, time: uint, height: uint, sig: b64 });

const getBlocksSchema: Check<{ from: number; to: number }> = (v) => {
  const m = record({ from: uint, to: uint })(v);
  if (m.to < m.from) throw new WireError(`to ${m.to} is below from ${m.from}`, 'to');
  if (m.to - m.from >= LIMITS.blocksPerAnswer) {
    throw new WireError(`range ${m.from}..${m.to} asks for more than ${LIMITS.blocksPerAnswer} blocks`, 'to');
  }
  return m;
};

const SCHEMAS = {
  hello: record({
    version: uint,
    network: text(LIMITS.networkBytes),
    genesis: b32,
    node: b32,
    challenge: b32,
    port: uint,
    height: uint,
    tip: b32,
    agent: text(LIMITS.agentBytes),
    time: uint,
  }),
  auth: record({ sig: b64 }),
  reject: record({ code: text(LIMITS.rejectCodeBytes), reason: text(LIMITS.reasonBytes) }),
  ping: record({ nonce: b8, time: uint, height: uint }),
  pong: record({ nonce: b8, time: uint, height: uint }),
  get_peers: record({}),
  peers: record({ peers: array(LIMITS.peers, record({ ip: text(LIMITS.ipBytes), port: uint, seen: uint })) }),
  tx: record({ tx: txSchema }),
  vote: record({ vote: voteSchema }),
  finalized: record({ txid: b32, votes: array(LIMITS.finalizedVotes, voteSchema) }),
  utxo_state: record({ txid: b32, index: uint, state: oneOf(['locked', 'spent', 'unlocked'] as const), by: b32 }),
  block: record({ block: blockSchema }),
  get_blocks: getBlocksSchema,
  blocks: record({ blocks: array(LIMITS.blocksPerAnswer, blockSchema) }),
  masternode: record({ ann: annSchema }),
  heartbeat: record({ hb: hbSchema }),
} satisfies Record<string, Check<object>>;

type Schemas = typeof SCHEMAS;
export type MessageType = keyof Schemas;
type Fields<K extends MessageType> = Schemas[K] extends Check<infer T> ? T : never;
/** A decoded message: a tagged union over `type`. */
export type Message = { [K in MessageType]: { type: K } & Fields<K> }[MessageType];
export type MessageOf<K extends MessageType> = Extract<Message, { type: K }>;

export const MESSAGE_TYPES = Object.keys(SCHEMAS) as MessageType[];

/** A well-formed map whose `type` this node does not know: counted, never fatal. */
export interface UnknownMessage {
  type: string;
  unknown: true;
}

export function isMessageType(type: string): type is MessageType {
  return Object.prototype.hasOwnProperty.call(SCHEMAS, type);
}

/** Decodes and checks one frame payload. Throws WireError naming the type and field. */
export function decodeMessage(payload: Buffer): Message | UnknownMessage {
  const value = decodeCbor(payload);
  if (!isMap(value)) throw new WireError('payload is not a CBOR map');
  const type = value.type;
  if (typeof type !== 'string') throw new WireError('missing or non-text type', 'type');
  if (!isMessageType(type)) return { type, unknown: true };
  try {
    const fields = (SCHEMAS[type] as Check<object>)(value);
    return { type, ...fields } as Message;
  } catch (err) {
    if (err instanceof WireError) throw new WireError(err.reason, err.where ? `${type}.${err.where}` : type);
    throw err;
  }
}

export function encodeMessage(message: Message): Buffer {
  return encodeCbor(message);
}


/** A `reject` whose reason is cut (on a character boundary) to the §3 bound, so a long explanation never makes the reject itself invalid. */
export function rejectMessage(code: RejectCode, reason: string): MessageOf<'reject'> {
  const buf = Buffer.from(reason, 'utf8');
  if (buf.length <= LIMITS.reasonBytes) return { type: 'reject', code, reason };
  let end = LIMITS.reasonBytes;
  while (end > 0 && ((buf[end] as number) & 0xc0) === 0x80) end--;
  return { type: 'reject', code, reason: buf.subarray(0, end).toString('utf8') };
}
