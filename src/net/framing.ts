// How a byte stream is cut into payloads. TCP uses the length prefix, a
// serial link COBS + CRC (PROTOCOL.md §1); PeerConnection only sees this.
import { encodeFrame, FrameReader } from '../wire/frame';

export interface Framing {
  /** Complete payloads in this chunk; throws WireError on a fatal framing error. */
  push(chunk: Buffer): Buffer[];
  encode(payload: Buffer): Buffer;
  /** Bytes held for an incomplete frame. */
  readonly buffered: number;
}

export function lengthPrefixFraming(maxFrame: number): Framing {
  const reader = new FrameReader(maxFrame);
  return {
    push: (chunk) => reader.push(chunk),
    encode: encodeFrame,
    get buffered() {
      return reader.buffered;
    },
  };
}
