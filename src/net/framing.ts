// How a byte stream is cut into payloads. TCP uses the length prefix, a
// serial link COBS + CRC (PROTOCOL.md §1); PeerConnection only sees this.
import { encodeFrame, FrameReader } from '../wire/frame';
import { encodeSerialFrame, SerialFrameReader } from '../wire/serial-frame';

export interface Framing {
  /** Complete payloads in this chunk; throws WireError on a fatal framing error. */
  push(chunk: Buffer): Buffer[];
  encode(payload: Buffer): Buffer;
  /** Bytes held for an incomplete frame. */
  readonly buffered: number;
  /** Frames dropped and counted instead of failing the link (serial: bad CRC, bad COBS, bad size); always 0 over TCP. */
  readonly dropped: number;
}

export function lengthPrefixFraming(maxFrame: number): Framing {
  const reader = new FrameReader(maxFrame);
  return {
    push: (chunk) => reader.push(chunk),
    encode: encodeFrame,
    get buffered() {
      return reader.buffered;
    },
    dropped: 0,
  };
}

/** §1 serial framing: a damaged frame is dropped and counted, never fatal, so push() never throws. */
export function serialFraming(maxFrame: number): Framing {
  const reader = new SerialFrameReader(maxFrame);
  return {
    push: (chunk) => reader.push(chunk),
    encode: encodeSerialFrame,
    get buffered() {
      return reader.buffered;
    },
    get dropped() {
      return reader.dropped;
    },
  };
}
