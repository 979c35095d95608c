// Builds test/vectors/objects.json: every §4/§5 layout, hash and signature of
// our implementation over inputs chosen to reach the edges (empty and 64-long
// lists, u64 extremes, multi-byte UTF-8, both vote values). The committed file
// pins our output; check_vectors.py recomputes it independently.
// Same field names as the shared tnp1.json, so one checker reads both; but
// every section is a list, and amounts are decimal strings because JSON
// numbers lose u64 precision in JavaScript.
import path from 'node:path';
import { hash, keyPairFromSeed, type KeyPair } from '../../src/crypto';
import { deriveGenesis, producerFor, quorumFor, skipCount, type Genesis } from '../../src/chain/genesis';
import {
  annSignedBytes,
  blockHash,
  blockHashedBytes,
  hbSignedBytes,
  str,
  txId,
  txSignedBytes,
  txidsHash,
  voteId,
  voteSignedBytes,
} from '../../src/chain/layouts';
import { signAnn, signBlock, signHb, signTx, signVote } from '../../src/chain/signing';
import { authSignedBytes, signAuth } from '../../src/net/auth';
import type { Block, Tx, TxInput, TxOutput } from '../../src/chain/types';

/** The repository root, from lib/test/vectors/ where this file runs once compiled. */
export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const OBJECTS_JSON = path.join(REPO_ROOT, 'test', 'vectors', 'objects.json');
export const CHECK_SCRIPT = path.join(REPO_ROOT, 'test', 'vectors', 'check_vectors.py');
/** The shared vectors, which CI places beside the clone. */
export const SHARED_JSON = path.join(REPO_ROOT, '..', 'shared', 'vectors', 'tnp1.json');

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** Deterministic, unpatterned 32-byte values, so a swapped field cannot go unnoticed. */
const filler = (label: string): Buffer => hash(Buffer.from(`timenode objects.json ${label}`, 'utf8'));

const U64_MAX = (1n << 64n) - 1n;
const SAFE_MAX = Number.MAX_SAFE_INTEGER;

const SEEDS: Buffer[] = [
  Buffer.alloc(32, 0x00),
  Buffer.alloc(32, 0x11),
  Buffer.alloc(32, 0x5a),
  Buffer.alloc(32, 0xff),
  filler('seed 4'),
  filler('seed 5'),
];

function keysSection(keys: KeyPair[]): Json {
  return keys.map((k) => ({ seed: hex(k.seed), public: hex(k.publicKey) }));
}

function strSection(): Json {
  const texts = ['', 'a', '203.0.113.7', '2001:db8::1', 'é', '例え', '🙂', 'nöde.例え.jp', 'x'.repeat(300)];
  return texts.map((text) => ({ text, encoded: hex(str(text)) }));
}

function quorumSection(): Json {
  const table: { [n: string]: Json } = {};
  for (let n = 1; n <= 64; n++) table[String(n)] = quorumFor(n);
  return table;
}

function skipsSection(): Json {
  const cases: [number, number, number][] = [
    [0, 2000, 2000],
    [0, 3999, 2000],
    [0, 4000, 2000],
    [1767225600000, 1767225608017, 2000],
    [5000, 5050, 100], // closer than one interval: invalid as a block, but r stays 0
    [0, SAFE_MAX, 100],
  ];
  return cases.map(([parentTime, time, interval]) => ({
    parent_time: parentTime,
    time,
    interval,
    r: skipCount(parentTime, time, interval),
  }));
}

function genesisCases(keys: KeyPair[]): Genesis[] {
  const pub = (i: number): Buffer => keys[i].publicKey;
  return [
    deriveGenesis({ network: 'devnet', time: 1767225600000, interval: 2000, masternodes: [pub(1)] }),
    deriveGenesis({ network: 'réseau-テスト', time: 0, interval: 100, masternodes: [pub(4), pub(0), pub(3), pub(5), pub(1)] }),
    // 32 UTF-8 bytes exactly, the longest name allowed.
    deriveGenesis({ network: 'ネットワーク名前長いab', time: SAFE_MAX, interval: 600000, masternodes: [pub(2), pub(5), pub(0)] }),
  ];
}

function genesisSection(cases: Genesis[]): Json {
  return cases.map((g) => ({
    file: { network: g.network, time: g.time, interval: g.interval, masternodes: g.masternodes.map(hex) },
    hash: hex(g.hash),
    schedule: g.schedule.map(hex),
    quorum: g.quorum,
  }));
}

function txCases(keys: KeyPair[]): Tx[] {
  const key = (i: number): KeyPair => keys[i];
  const manyInputs: TxInput[] = Array.from({ length: 64 }, (_, i) => ({
    txid: filler(`input ${i}`),
    index: i === 63 ? SAFE_MAX : i * 1000003,
  }));
  const edgeAmounts = [0n, 1n, 0xffffffffn, 0x100000000n, BigInt(SAFE_MAX), 1n << 53n, 1n << 63n, U64_MAX - 1n, U64_MAX];
  const manyOutputs: TxOutput[] = Array.from({ length: 64 }, (_, i) => ({
    to: filler(`output ${i}`),
    amount: edgeAmounts[i] ?? (U64_MAX / BigInt(i + 1)),
  }));
  return [
    signTx(key(0), { inputs: [], outputs: [], time: 0 }),
    signTx(key(1), { inputs: [{ txid: filler('input single'), index: 0 }], outputs: [{ to: key(2).publicKey, amount: 0n }], time: 1767225700123 }),
    signTx(key(3), { inputs: manyInputs, outputs: manyOutputs, time: SAFE_MAX }),
    signTx(key(4), { inputs: manyInputs.slice(0, 3), outputs: [{ to: key(0).publicKey, amount: U64_MAX }], time: 1 }),
  ];
}

function txSection(txs: Tx[]): Json {
  return txs.map((tx) => ({
    from: hex(tx.from),
    inputs: tx.inputs.map((i) => ({ txid: hex(i.txid), index: i.index })),
    outputs: tx.outputs.map((o) => ({ to: hex(o.to), amount: o.amount.toString() })),
    time: tx.time,
    signed_bytes: hex(txSignedBytes(tx)),
    txid: hex(txId(tx)),
    sig: hex(tx.sig),
  }));
}

function voteSection(keys: KeyPair[], txs: Tx[]): Json {
  const cases: [number, number, boolean][] = [
    [0, 1, true],
    [0, 1, false],
    [1, 2, true],
    [2, 5, false],
    [3, 3, true],
  ];
  return cases.map(([t, k, accept]) => {
    const vote = signVote(keys[k], txId(txs[t]), accept);
    return {
      txid: hex(vote.txid),
      voter: hex(vote.voter),
      accept,
      signed_bytes: hex(voteSignedBytes(vote.txid, accept)),
      id: hex(voteId(vote)),
      sig: hex(vote.sig),
    };
  });
}

/** A chain on `genesis`, each block signed by the key whose turn it is, with r of 0, 2, 0 and ten billion. */
function chainBlocks(genesis: Genesis, keys: KeyPair[], txs: Tx[]): Block[] {
  const byPublic = new Map(keys.map((k) => [hex(k.publicKey), k]));
  const steps: { gap: number; txids: Buffer[] }[] = [
    { gap: genesis.interval, txids: [] },
    { gap: genesis.interval * 3 + genesis.interval / 2, txids: [txId(txs[0])] },
    { gap: genesis.interval * 2 - 1, txids: txs.slice(1, 4).map((t) => txId(t)) },
    { gap: 1_000_000_000_000, txids: [] },
  ];
  const blocks: Block[] = [];
  let parent = { height: 0, hash: genesis.hash, time: genesis.time };
  for (const step of steps) {
    const height = parent.height + 1;
    const time = parent.time + step.gap;
    const r = skipCount(parent.time, time, genesis.interval);
    const producer = byPublic.get(hex(producerFor(genesis, height, r)));
    if (!producer) throw new Error(`no seed for the producer due at height ${height}`);
    const block = signBlock(producer, { height, prev: parent.hash, time, txids: step.txids });
    blocks.push(block);
    parent = { height, hash: blockHash(block), time };
  }
  return blocks;
}

function blocksSection(genesisIndex: number, genesis: Genesis, blocks: Block[]): Json {
  let parentTime = genesis.time;
  const chain = blocks.map((b) => {
    const entry = {
      height: b.height,
      prev: hex(b.prev),
      time: b.time,
      txids: b.txids.map(hex),
      producer: hex(b.producer),
      r: skipCount(parentTime, b.time, genesis.interval),
      txids_hash: hex(txidsHash(b.txids)),
      hashed_bytes: hex(blockHashedBytes(b)),
      hash: hex(blockHash(b)),
      sig: hex(b.sig),
    };
    parentTime = b.time;
    return entry;
  });
  return { genesis: genesisIndex, chain };
}

function annSection(keys: KeyPair[]): Json {
  const cases: [number, string, number, number][] = [
    [0, '203.0.113.7', 24100, 1767225700123],
    [1, '2001:db8::1', 0, 0],
    [2, 'nöde.例え.jp', 65535, SAFE_MAX],
    [5, '', 1, 1],
  ];
  return cases.map(([k, ip, port, time]) => {
    const ann = signAnn(keys[k], { ip, port, time });
    return { node: hex(ann.node), ip, port, time, signed_bytes: hex(annSignedBytes(ann)), sig: hex(ann.sig) };
  });
}

function hbSection(keys: KeyPair[]): Json {
  const cases: [number, number, number, number][] = [
    [0, 0, 0, 0],
    [3, 7, 1767225700123, 1],
    [4, SAFE_MAX, SAFE_MAX, SAFE_MAX],
  ];
  return cases.map(([k, seq, time, height]) => {
    const hb = signHb(keys[k], { seq, time, height });
    return { node: hex(hb.node), seq, time, height, signed_bytes: hex(hbSignedBytes(hb)), sig: hex(hb.sig) };
  });
}

function authSection(keys: KeyPair[]): Json {
  const cases: [number, Buffer][] = [
    [0, Buffer.alloc(32, 0x00)],
    [3, Buffer.alloc(32, 0xff)],
    [5, filler('challenge')],
  ];
  return cases.map(([k, challenge]) => {
    const signer = keys[k];
    return {
      challenge: hex(challenge),
      signer: hex(signer.publicKey),
      signed_bytes: hex(authSignedBytes(challenge, signer.publicKey)),
      sig: hex(signAuth(signer, challenge)),
    };
  });
}

export function buildObjectVectors(): Json {
  const keys = SEEDS.map((s) => keyPairFromSeed(s));
  const genesis = genesisCases(keys);
  const txs = txCases(keys);
  const chainGenesis = 1;
  return {
    about:
      'timenode TNP/1 object vectors (PROTOCOL.md §4, §5), produced by test/vectors/objects.ts and checked by ' +
      'test/vectors/check_vectors.py. Byte strings are lower-case hex; tx amounts are decimal strings (u64). ' +
      'Field names follow the shared tnp1.json; each section is a list, and blocks form a chain on genesis[blocks.genesis].',
    keys: keysSection(keys),
    str: strSection(),
    quorum: quorumSection(),
    skips: skipsSection(),
    genesis: genesisSection(genesis),
    tx: txSection(txs),
    votes: voteSection(keys, txs),
    blocks: blocksSection(chainGenesis, genesis[chainGenesis], chainBlocks(genesis[chainGenesis], keys, txs)),
    ann: annSection(keys),
    hb: hbSection(keys),
    auth: authSection(keys),
  };
}
