// TNP/1 messages (PROTOCOL.md §3): one schema per type, a tagged union for
// the decoded result, and the encoder. The schema table is typed so the
// compiler refuses a message type without a schema.
import { CborValue, checkCbor, decodeCbor, DecodeOptions, DEFAULT_MAX_DEPTH, encodeCbor, FieldOptions, findTextField } from './cbor';
import { RejectCode, WireError } from './errors';
import { array, bool, bytes, Check, isMap, oneOf, optional, record, RecordCheck, text, u64, uint } from './schema';

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

const getBlocksRecord = record({ from: uint, to: uint });
const getBlocksSchema: RecordCheck<{ from: number; to: number }> = Object.assign(
  (v: CborValue) => {
    const m = getBlocksRecord(v);
    if (m.to < m.from) throw new WireError(`to ${m.to} is below from ${m.from}`, 'to');
    if (m.to - m.from >= LIMITS.blocksPerAnswer) {
      throw new WireError(`range ${m.from}..${m.to} asks for more than ${LIMITS.blocksPerAnswer} blocks`, 'to');
    }
    return m;
  },
  { fields: getBlocksRecord.fields },
);

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
    /** §8: a fresh X25519 public key; absent from a peer that speaks plaintext only. */
    kx: optional(b32),
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
} satisfies Record<string, RecordCheck<object>>;

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

/**
 * The most CBOR items decodeCbor may build for one message of each type
 * (DecodeOptions.maxItems: every map, key, value and array element counts
 * one; unknown top-level keys are skipped and not counted, unknown keys in
 * nested maps are counted). A map of k scalar fields is 1 + 2k items. Each
 * bound is the largest message the schema admits, rounded up to leave room
 * for a few unknown nested keys, so that a message full of one-byte items
 * (`a0`, an empty map, costs ~190 bytes of heap when built) is refused after a
 * few thousand items instead of being built whole. Unknown types are never
 * built at all (decodeMessage).
 */
const SMALL_MESSAGE_ITEMS = 64; // the largest fixed-size message, hello, is 1 + 2·12 = 25 items
/** A tx input {txid, index} or output {to, amount}: 1 + 2·2 items. */
const TX_IO_ITEMS = 5;
/** A vote {txid, voter, accept, sig} is 1 + 2·4 = 9 items; 12 leaves room for an unknown key in each. */
const VOTE_ITEMS = 12;
/** A peer {ip, port, seen}: 1 + 2·3 items. */
const PEER_ITEMS = 7;
/**
 * A block's fixed fields (the map, 6 keys, 6 values) are 13 items in at least
 * 174 bytes (keys 36, prev and producer 34 each, sig 66, and at least a byte
 * for height, time and the txids array head), and each txid is 1 item in 34
 * bytes: a valid `blocks` payload never has more than one item per 13 bytes,
 * plus its own 5 ({type, blocks: [...]}) in 21 bytes.
 */
const BLOCKS_BYTES_PER_ITEM = 13;

const MAX_ITEMS: { [K in MessageType]: number | ((payloadBytes: number) => number) } = {
  hello: SMALL_MESSAGE_ITEMS,
  auth: SMALL_MESSAGE_ITEMS,
  reject: SMALL_MESSAGE_ITEMS,
  ping: SMALL_MESSAGE_ITEMS,
  pong: SMALL_MESSAGE_ITEMS,
  get_peers: SMALL_MESSAGE_ITEMS,
  vote: SMALL_MESSAGE_ITEMS, // 13
  utxo_state: SMALL_MESSAGE_ITEMS, // 11
  get_blocks: SMALL_MESSAGE_ITEMS, // 7
  masternode: SMALL_MESSAGE_ITEMS, // 15
  heartbeat: SMALL_MESSAGE_ITEMS, // 15
  // {type, tx: {from, inputs, outputs, time, sig}} is 15 items + 5 per input or output: 655 at most.
  tx: 64 + TX_IO_ITEMS * (LIMITS.txInputs + LIMITS.txOutputs), // 704
  // {type, peers: [...]}: 5 + 7 per peer: 1797 at most.
  peers: 16 + PEER_ITEMS * LIMITS.peers, // 1808
  // {type, txid, votes: [...]}: 7 + 9 per vote: 9223 at most.
  finalized: 16 + VOTE_ITEMS * LIMITS.finalizedVotes, // 12304
  // {type, block: {...}}: 4 + 13 + 1 per txid: 10017 at most.
  block: 32 + LIMITS.blockTxids, // 10032
  // Up to 500 blocks of up to 10000 txids each is ~5M items: bounded by the payload's size instead.
  blocks: (payloadBytes) => 64 + Math.floor(payloadBytes / BLOCKS_BYTES_PER_ITEM),
};

/** decodeCbor's options per known type: its own fields (and `type`) are decoded, other top-level keys skipped. */
const DECODE_OPTIONS = Object.fromEntries(
  MESSAGE_TYPES.map((type): [MessageType, DecodeOptions] => {
    const bound = MAX_ITEMS[type];
    return [
      type,
      {
        keys: ['type', ...SCHEMAS[type].fields],
        maxItems: typeof bound === 'number' ? bound : undefined,
        context: `one message of type ${type}`,
      },
    ];
  }),
) as { [K in MessageType]: DecodeOptions };

/** The per-type item bound of one payload (exported for tests). */
export function maxItemsOf(type: MessageType, payloadBytes: number): number {
  const bound = MAX_ITEMS[type];
  return typeof bound === 'number' ? bound : bound(payloadBytes);
}

/**
 * An unknown type's name is counted and logged by the node: a peer must not
 * make it keep megabytes of it. Longer names are cut to this many bytes plus
 * "…" (every known type is far shorter).
 */
export const MAX_TYPE_NAME_BYTES = 64;
// A known type comes back as the string of MESSAGE_TYPES itself: cheaper to look up than a fresh one.
const FIND_TYPE: FieldOptions = { maxBytes: MAX_TYPE_NAME_BYTES, values: MESSAGE_TYPES };
const CHECK_TYPE: FieldOptions = { maxBytes: MAX_TYPE_NAME_BYTES, whole: true };

/**
 * Decodes and checks one frame payload. Throws WireError naming the type and field.
 *
 * Nothing is built before the type is known: `type` is read first (walking
 * the top-level map up to it, usually its first key). A payload of an unknown
 * type is then only checked to be one well-formed CBOR item (checkCbor
 * rules) and nothing of it is built; a known type is decoded with its own
 * top-level keys only and its item bound (MAX_ITEMS), then checked by its schema.
 */
export function decodeMessage(payload: Buffer): Message | UnknownMessage {
  if (payload.length === 0 || payload[0] >> 5 !== 5) {
    checkCbor(payload); // an ill-formed payload is refused as such first
    throw new WireError('payload is not a CBOR map');
  }
  const type = findTextField(payload, 'type', FIND_TYPE);
  if (type === undefined || !isMessageType(type)) {
    // Walks all of it (a repeated `type` and trailing bytes included), building nothing.
    findTextField(payload, 'type', CHECK_TYPE);
    if (type === undefined) throw new WireError('missing or non-text type', 'type');
    return { type, unknown: true };
  }
  let options = DECODE_OPTIONS[type];
  if (options.maxItems === undefined) options = { ...options, maxItems: maxItemsOf(type, payload.length) };
  const value = decodeCbor(payload, DEFAULT_MAX_DEPTH, options);
  if (!isMap(value)) throw new WireError('payload is not a CBOR map');
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
