/**
 * Where a file may be cut into pieces parsed apart: at a line start, never before a `=>` stack
 * frame line (its meaning comes from the kernel_stack record above it). Every other report
 * line stands alone once ModelBuilder holds the records that need earlier state.
 */
import * as fs from 'node:fs';

const NL = 0x0a;
const WINDOW = 64 << 10;

/** Piece start offsets: 0, then about every `pieceSize` bytes; the file end closes the last piece. */
export function pieceStarts(fd: number, total: number, pieceSize: number): number[] {
  const starts = [0];
  const buf = Buffer.allocUnsafe(WINDOW);
  for (let guess = pieceSize; guess < total; guess += pieceSize) {
    const prev = starts[starts.length - 1];
    const at = lineStartAfter(fd, buf, Math.max(guess, prev + 1), total);
    if (at < 0) break;
    if (at > prev) starts.push(at);
  }
  return starts;
}

/** First offset ≥ from that starts a line other than a stack frame, or -1 before the file end. */
function lineStartAfter(fd: number, buf: Buffer, from: number, total: number): number {
  // `pos` is a candidate line start when buf[pos - 1] is '\n'.
  let pos = from - 1;
  let atLineStart = false;
  let lineStart = -1;
  while (pos < total) {
    const n = fs.readSync(fd, buf, 0, Math.min(WINDOW, total - pos), pos);
    if (n === 0) break;
    for (let i = 0; i < n; i++) {
      const c = buf[i];
      if (atLineStart) {
        if (c === 0x20 || c === 0x09) continue;
        if (c !== 0x3d /* = */) return lineStart;
        atLineStart = false;
      }
      if (c === NL) { atLineStart = true; lineStart = pos + i + 1; }
    }
    pos += n;
  }
  return -1;
}
