// What the CBOR codec decodes to and encodes from (cbor.ts, cbor-encode.ts).

/** A decoded float. Kept distinct from integers: a float where a uint is due is a protocol error. */
export class CborFloat {
  constructor(readonly value: number) {}
}

export class CborTagged {
  constructor(
    readonly tag: number | bigint,
    readonly value: CborValue,
  ) {}
}

/** A decoded map: text keys only, created with a null prototype so a `__proto__` key is just a key. */
export interface CborMap {
  [key: string]: CborValue;
}

export type CborValue =
  | number
  | bigint
  | string
  | Buffer
  | boolean
  | null
  | undefined
  | CborValue[]
  | CborMap
  | CborFloat
  | CborTagged;
