/**
 * Finding the end-of-output marker the guest agent writes after each `sim exec` command, in a
 * byte stream that arrives in arbitrary chunks. Pure.
 */
import { STREAM_END } from '../qemu/protocol.js';

export const END_MARKER = Buffer.from(STREAM_END);

export class MarkerSplitter {
  private held = Buffer.alloc(0);

  /** Feed a chunk; returns the bytes before a marker and whether the marker was seen. */
  push(chunk: Buffer): { data: Buffer; ended: boolean; rest: Buffer } {
    const buffer = Buffer.concat([this.held, chunk]);
    this.held = Buffer.alloc(0);
    const at = buffer.indexOf(END_MARKER);
    if (at >= 0) return { data: buffer.subarray(0, at), ended: true, rest: buffer.subarray(at + END_MARKER.length) };
    // Hold back a tail that could be the start of a marker split across chunks.
    for (let keep = Math.min(END_MARKER.length - 1, buffer.length); keep > 0; keep--) {
      if (buffer.subarray(buffer.length - keep).equals(END_MARKER.subarray(0, keep))) {
        this.held = Buffer.from(buffer.subarray(buffer.length - keep));
        return { data: buffer.subarray(0, buffer.length - keep), ended: false, rest: Buffer.alloc(0) };
      }
    }
    return { data: buffer, ended: false, rest: Buffer.alloc(0) };
  }
}
