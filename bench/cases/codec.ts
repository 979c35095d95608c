// Codec: encode + decode (with the schema check) of one message of each
// TNP/1 type, against JSON lines of the same object (JSON.stringify with
// bytes as hex and bigints as decimal text, then JSON.parse: no checks, no
// bytes restored, so the baseline is generous). Rounds alternate in this
// process; the ratio is the median of per-round ratios.
import { signAnn, signBlock, signHb, signTx, signVote } from '../../src/chain/signing';
import { hash } from '../../src/crypto';
import { decodeMessage, encodeMessage, Message, MESSAGE_TYPES, MessageType } from '../../src/wire/messages';
import type { BenchCase, RowInput } from '../case';
import { geometricMean, paired } from '../measure';
import { benchKey, masternodeKeys } from '../support/fixtures';

function jsonReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (Buffer.isBuffer(raw)) return raw.toString('hex');
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** One representative message per type, as the node sends them. */
export function sampleMessages(): Record<MessageType, Message> {
  const [m0, m1, m2] = masternodeKeys() as [ReturnType<typeof benchKey>, ReturnType<typeof benchKey>, ReturnType<typeof benchKey>];
  const sender = benchKey(4, 0);
  const h = (i: number): Buffer => hash(Buffer.from([i & 0xff, i >> 8]));
  const time = 1_767_225_600_000;
  const tx = signTx(sender, {
    inputs: [{ txid: h(1), index: 0 }, { txid: h(2), index: 1 }],
    outputs: [{ to: m0.publicKey, amount: 5_000_000_000n }, { to: sender.publicKey, amount: 123_456_789n }],
    time,
  });
  const votes = [m0, m1, m2].map((k) => signVote(k, h(3), true));
  const block = (height: number, txids: number): ReturnType<typeof signBlock> =>
    signBlock(m0, { height, prev: h(height), time: time + height * 1000, txids: Array.from({ length: txids }, (_, i) => h(i)) });
  const messages: Record<MessageType, Message> = {
    hello: { type: 'hello', version: 1, network: 'mainnet', genesis: h(4), node: m0.publicKey, challenge: h(5), port: 24100, height: 123_456, tip: h(6), agent: 'timenode/0.1.0', time },
    auth: { type: 'auth', sig: votes[0]!.sig },
    reject: { type: 'reject', code: 'protocol', reason: 'frame length 0 is not allowed (1..4194304)' },
    ping: { type: 'ping', nonce: Buffer.alloc(8, 1), time, height: 123_456 },
    pong: { type: 'pong', nonce: Buffer.alloc(8, 1), time, height: 123_456 },
    get_peers: { type: 'get_peers' },
    peers: { type: 'peers', peers: Array.from({ length: 32 }, (_, i) => ({ ip: `192.168.${i}.${100 + i}`, port: 24100, seen: time - i * 1000 })) },
    tx: { type: 'tx', tx },
    vote: { type: 'vote', vote: votes[0]! },
    finalized: { type: 'finalized', txid: h(3), votes },
    utxo_state: { type: 'utxo_state', txid: h(7), index: 3, state: 'locked', by: h(8) },
    block: { type: 'block', block: block(1000, 100) },
    get_blocks: { type: 'get_blocks', from: 1001, to: 1500 },
    // A sync answer as the sync case sees it: 500 blocks without txs.
    blocks: { type: 'blocks', blocks: Array.from({ length: 500 }, (_, i) => block(1001 + i, 0)) },
    masternode: { type: 'masternode', ann: signAnn(m0, { ip: '203.0.113.7', port: 24100, time }) },
    heartbeat: { type: 'heartbeat', hb: signHb(m0, { seq: 4242, time, height: 123_456 }) },
  };
  return messages;
}

export const codec: BenchCase = {
  names: ['codec'],
  async run(ctx) {
    const samples = sampleMessages();
    const rows: RowInput[] = [];
    for (const type of MESSAGE_TYPES) {
      if (!ctx.wanted(`codec.${type}`) && !ctx.wanted('codec.all')) continue;
      const msg = samples[type];
      const cborBytes = encodeMessage(msg).length;
      const jsonBytes = Buffer.byteLength(JSON.stringify(msg, jsonReplacer)) + 1;
      // The big ones take ~1 ms an op: fewer per batch so a round stays short.
      const batch = type === 'blocks' ? 2 : type === 'block' || type === 'peers' ? 16 : 64;
      const r = paired(
        () => decodeMessage(encodeMessage(msg)),
        () => JSON.parse(Buffer.from(`${JSON.stringify(msg, jsonReplacer)}\n`).toString()),
        { ms: 40, rounds: 5, batch },
      );
      rows.push({
        case: 'codec',
        metric: type,
        figure: r.subject,
        unit: 'ops/s',
        baseline: r.baseline,
        baselineUnit: 'JSON ops/s',
        ratio: r.ratio,
        note: `${cborBytes} B CBOR vs ${jsonBytes} B JSON line`,
      });
    }
    const all = rows.map((r) => r.ratio);
    rows.push({
      case: 'codec',
      metric: 'all',
      figure: geometricMean(rows.map((r) => r.figure)),
      unit: 'ops/s (geo. mean)',
      baseline: geometricMean(rows.map((r) => r.baseline)),
      baselineUnit: 'JSON ops/s (geo. mean)',
      ratio: geometricMean(all),
      note: `geometric mean of the ${all.length} types`,
    });
    return rows;
  },
};
