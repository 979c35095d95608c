// The wire vectors of /work/shared/vectors/tnp1.json, computed by an
// independent implementation: frame, crc32c, cobs, serial_frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CborMap, decodeCbor, encodeCbor } from '../../src/wire/cbor';
import { cobsDecode, cobsEncode } from '../../src/wire/cobs';
import { crc32c } from '../../src/wire/crc32c';
import { encodeFrame, FrameReader } from '../../src/wire/frame';
import { encodeSerialFrame, SerialFrameReader } from '../../src/wire/serial-frame';

interface WireVectors {
  frame: {
    message: { type: string; nonce: string; time: number; height: number };
    one_valid_encoding: string;
  };
  crc32c: { input_ascii: string; crc: string };
  cobs: { data: string; encoded: string }[];
  serial_frame: { payload: string; frame: string };
}

// Compiled tests live in lib/test/wire/; the shared folder is a sibling of the repo.
const root = path.resolve(__dirname, '../../..');
const v = JSON.parse(readFileSync(path.join(root, '..', 'shared', 'vectors', 'tnp1.json'), 'utf8')) as WireVectors;

test('frame: our reader and decoder get the message back from the vector bytes', () => {
  const frame = Buffer.from(v.frame.one_valid_encoding, 'hex');
  const payloads = new FrameReader().push(frame);
  assert.equal(payloads.length, 1);
  const message = decodeCbor(payloads[0]) as CborMap;
  assert.equal(message.type, 'ping');
  assert.deepStrictEqual(message.nonce, Buffer.from(v.frame.message.nonce, 'hex'));
  assert.equal(message.time, 1767225700123);
  assert.equal(message.time, v.frame.message.time);
  assert.equal(message.height, 5);
  assert.deepStrictEqual(Object.keys(message), ['type', 'nonce', 'time', 'height']);
});

test('frame: our encoder reproduces the vector byte for byte in that key order', () => {
  const m = v.frame.message;
  const payload = encodeCbor({ type: m.type, nonce: Buffer.from(m.nonce, 'hex'), time: m.time, height: m.height });
  assert.equal(encodeFrame(payload).toString('hex'), v.frame.one_valid_encoding);
});

test('crc32c vector', () => {
  assert.equal(crc32c(Buffer.from(v.crc32c.input_ascii, 'ascii')).toString(16).padStart(8, '0'), v.crc32c.crc);
});

test('cobs vectors, both ways', () => {
  for (const c of v.cobs) {
    assert.equal(cobsEncode(Buffer.from(c.data, 'hex')).toString('hex'), c.encoded);
    assert.equal(cobsDecode(Buffer.from(c.encoded, 'hex')).toString('hex'), c.data);
  }
});

test('serial_frame vector, both ways', () => {
  const payload = Buffer.from(v.serial_frame.payload, 'hex');
  assert.equal(encodeSerialFrame(payload).toString('hex'), v.serial_frame.frame);
  assert.deepStrictEqual(new SerialFrameReader().push(Buffer.from(v.serial_frame.frame, 'hex')), [payload]);
});
