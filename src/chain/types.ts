// The signed objects of PROTOCOL.md §4 as they travel in messages. Byte
// fields are Buffers of the exact sizes the schema checks; `amount` is a
// bigint because it may use the full u64 range.

export interface TxInput {
  txid: Buffer;
  index: number;
}

export interface TxOutput {
  to: Buffer;
  amount: bigint;
}

export interface Tx {
  from: Buffer;
  inputs: TxInput[];
  outputs: TxOutput[];
  time: number;
  sig: Buffer;
}

export interface Vote {
  txid: Buffer;
  voter: Buffer;
  accept: boolean;
  sig: Buffer;
}

export interface Block {
  height: number;
  prev: Buffer;
  time: number;
  txids: Buffer[];
  producer: Buffer;
  sig: Buffer;
}

export interface Ann {
  node: Buffer;
  ip: string;
  port: number;
  time: number;
  sig: Buffer;
}

export interface Hb {
  node: Buffer;
  seq: number;
  time: number;
  height: number;
  sig: Buffer;
}
