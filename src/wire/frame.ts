// TCP framing of PROTOCOL.md §1: `u32be length || payload`, length 1..maxFrame.
// FrameReader is chosen once at load (choose-backend.ts): js/frame-reader.ts
// or native/frame-reader.ts.
//
// MEASURED
import { chooseBackend } from './choose-backend';
import { FrameReaderApi, FrameReaderClass, JsFrameReader, PREFIX, U32_MAX } from './js/frame-reader';
import { nativeFrameReader } from './native/frame-reader';

export { DEFAULT_MAX_FRAME } from './js/frame-reader';

/** Cuts a TCP byte stream into payloads; see JsFrameReader for the rules both backends keep. */
export type FrameReader = FrameReaderApi;
export const FrameReader: FrameReaderClass = chooseBackend('frame-scan', JsFrameReader, nativeFrameReader, {
  winner: 'ts',
  why: 'TBD',
});

export function encodeFrame(payload: Buffer): Buffer {
  if (payload.length === 0 || payload.length > U32_MAX) {
    throw new RangeError(`payload of ${payload.length} bytes cannot be framed (1..${U32_MAX})`);
  }
  const frame = Buffer.allocUnsafe(PREFIX + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, PREFIX);
  return frame;
}
