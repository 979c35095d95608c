// TCP framing through the addon: one call finds every whole frame of a chunk
// (native/src/frames.c), and each payload is sliced here as a view of the
// chunk, as the TS reader does. The frame that straddles two chunks is left
// to a JsFrameReader, so the partial-frame rules and their limits exist once.
import {
  DEFAULT_MAX_FRAME,
  FrameReaderApi,
  FrameReaderClass,
  JsFrameReader,
  U32_MAX,
  usedAfterError,
} from '../js/frame-reader';
import { Addon, SCAN_FULL, SCAN_HEADER } from './addon';

/** Room for this many frames per call; a chunk with more takes several calls. */
const FRAMES_PER_CALL = 4096;

export function nativeFrameReader(addon: Addon): FrameReaderClass {
  const scan = addon.scanFrames;
  // One output array for every reader: JavaScript runs one push at a time.
  const found = new Uint32Array(SCAN_HEADER + 2 * FRAMES_PER_CALL);

  return class NativeFrameReader implements FrameReaderApi {
    /** Holds the frame that straddles chunks, and validates maxFrame. */
    private readonly edge: JsFrameReader;
    private failed = false;

    constructor(private readonly maxFrame = DEFAULT_MAX_FRAME) {
      this.edge = new JsFrameReader(maxFrame);
    }

    get buffered(): number {
      return this.edge.buffered;
    }

    push(chunk: Buffer): Buffer[] {
      if (this.failed) throw usedAfterError();
      try {
        return this.read(chunk);
      } catch (err) {
        this.failed = true;
        throw err;
      }
    }

    private read(chunk: Buffer): Buffer[] {
      const n = chunk.length;
      let out: Buffer[] = [];
      let i = 0;
      // Finish the frame the previous chunk left open: its prefix, then its body.
      while (i < n && this.edge.missing > 0) {
        const take = Math.min(this.edge.missing, n - i);
        const done = this.edge.push(chunk.subarray(i, i + take));
        if (done.length > 0) out = done;
        i += take;
      }
      if (i === n) return out;
      if (n > U32_MAX) return out.concat(this.edge.push(chunk.subarray(i)));
      for (;;) {
        const count = scan(chunk, i, this.maxFrame, found);
        for (let k = 0, w = SCAN_HEADER; k < count; k++, w += 2) {
          const start = found[w] as number;
          out.push(chunk.subarray(start, start + (found[w + 1] as number)));
        }
        i = found[0] as number;
        if (found[1] !== SCAN_FULL) break;
      }
      // What is left is a partial frame, which the edge reader keeps, or a bad
      // length, which it refuses: the TS reader's own error and state after it.
      if (i < n) this.edge.push(chunk.subarray(i));
      return out;
    }
  };
}
