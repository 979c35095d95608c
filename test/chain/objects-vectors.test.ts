// Proof of the §4/§5 layouts against an independent implementation: our
// output over edge-case inputs is committed as test/vectors/objects.json, and
// check_vectors.py recomputes every byte of it (and of the shared tnp1.json)
// with Python's hashlib and Debian's PyNaCl. Regenerate the file with
// `node lib/test/vectors/write-objects.js` (see that file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CHECK_SCRIPT, OBJECTS_JSON, SHARED_JSON, buildObjectVectors } from '../vectors/objects';

/** Debian's interpreter, where apt installs python3-nacl; a pyenv python on PATH would not see it. */
const PYTHON = '/usr/bin/python3';
const INSTALL_HINT = 'install python3-nacl (apt-get install -y python3-nacl); .ci/run does this';

function python(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) assert.fail(`cannot run ${PYTHON} (${r.error.message}); ${INSTALL_HINT}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function requireNacl(): void {
  const probe = python(['-c', 'import nacl.signing']);
  assert.equal(probe.status, 0, `${PYTHON} cannot import nacl: ${INSTALL_HINT}\n${probe.stderr}`);
}

test('our implementation reproduces the committed objects.json exactly', () => {
  const committed: unknown = JSON.parse(fs.readFileSync(OBJECTS_JSON, 'utf8'));
  // On a deliberate layout change, regenerate with lib/test/vectors/write-objects.js and re-run the Python check.
  assert.deepEqual(buildObjectVectors(), committed);
});

test('objects.json covers the edges it claims to', () => {
  const doc = JSON.parse(fs.readFileSync(OBJECTS_JSON, 'utf8')) as {
    tx: { inputs: unknown[]; outputs: { amount: string }[] }[];
    votes: { accept: boolean }[];
    blocks: { chain: { txids: unknown[]; r: number }[] };
    ann: { ip: string }[];
    genesis: { file: { network: string } }[];
  };
  const inputCounts = doc.tx.map((t) => t.inputs.length);
  assert.ok(inputCounts.includes(0) && inputCounts.includes(64));
  assert.ok(doc.tx.some((t) => t.outputs.some((o) => o.amount === '18446744073709551615')));
  assert.deepEqual([...new Set(doc.votes.map((x) => x.accept))].sort(), [false, true]);
  const txidCounts = doc.blocks.chain.map((blk) => blk.txids.length);
  assert.ok(txidCounts.includes(0) && txidCounts.includes(3));
  assert.ok(doc.blocks.chain.some((blk) => blk.r > 0));
  const multiByte = (s: string): boolean => Buffer.byteLength(s, 'utf8') > s.length;
  assert.ok(doc.ann.some((a) => multiByte(a.ip)));
  assert.ok(doc.genesis.some((g) => multiByte(g.file.network)));
});

test('Python (hashlib + PyNaCl) independently agrees with objects.json and the shared tnp1.json', () => {
  requireNacl();
  assert.ok(fs.existsSync(SHARED_JSON), `shared vectors not found at ${SHARED_JSON}`);
  const r = python([CHECK_SCRIPT, OBJECTS_JSON, SHARED_JSON]);
  assert.equal(r.status, 0, `check_vectors.py found mismatches:\n${r.stderr}${r.stdout}`);
  assert.match(r.stdout, /^objects\.json: [1-9]\d* values match$/m);
  assert.match(r.stdout, /^tnp1\.json: [1-9]\d* values match$/m);
});

test('the Python checker fails, naming the value, when one byte of a vector is wrong', () => {
  requireNacl();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'timenode-vectors-'));
  try {
    const doc = JSON.parse(fs.readFileSync(OBJECTS_JSON, 'utf8')) as { tx: { txid: string }[]; hb: { signed_bytes: string }[] };
    const flipLast = (h: string): string => h.slice(0, -1) + (h.endsWith('0') ? '1' : '0');
    doc.tx[2].txid = flipLast(doc.tx[2].txid);
    doc.hb[1].signed_bytes = flipLast(doc.hb[1].signed_bytes);
    const broken = path.join(dir, 'objects.json');
    fs.writeFileSync(broken, JSON.stringify(doc));
    const r = python([CHECK_SCRIPT, broken]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /tx\[2\]\.txid: computed [0-9a-f]{64}, file says/);
    assert.match(r.stderr, /hb\[1\]\.signed_bytes: computed/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
