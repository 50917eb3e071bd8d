/**
 * Reads file bytes [start, end) into one buffer and hands its whole lines to a sink, as
 * LineSplitter does for chunks it is given, without copying: the buffer has CARRY bytes of room
 * before its read area, and the start of a line that a read cut is moved there, right before
 * the next read, so the line is whole where it lies. The reads (their sizes and offsets) are
 * LineSplitter's, and so are the lines dropped as longer than MAX_LINE.
 */
import * as fs from 'node:fs';
import { type LineBlockSink, MAX_LINE } from './lineSplitter';

const NL = 0x0a;
/** Room for a cut line: one kept is at most MAX_LINE bytes. */
export const CARRY = MAX_LINE;
/** Bytes after the read area left unread, so a scanner may load 16 bytes past a line's end. */
export const TAIL = 16;

/**
 * `area`: CARRY bytes of room, the read area, then TAIL bytes. Returns the number of lines.
 */
export function readLineBlocks(fd: number, start: number, end: number, area: Buffer, sink: LineBlockSink, onLongLine: (lineNo: number) => void): number {
  const read = area.length - CARRY - TAIL;
  let lineNo = 0;
  /** Bytes of a cut line kept before the read area; -1 while dropping a long line. */
  let carry = 0;
  for (let pos = start; pos < end;) {
    const n = fs.readSync(fd, area, CARRY, Math.min(read, end - pos), pos);
    if (n === 0) break;
    pos += n;
    const stop = CARRY + n;
    let from = CARRY - Math.max(carry, 0);
    if (carry < 0) {
      const nl = area.indexOf(NL, CARRY);
      if (nl < 0 || nl >= stop) continue;
      lineNo++;
      from = nl + 1;
    }
    // Stale bytes lie before `from`: a '\n' found there is no line end.
    const last = area.lastIndexOf(NL, stop - 1);
    if (last >= from) {
      lineNo += sink.block(area, from, last, lineNo + 1);
      from = last + 1;
    }
    carry = stop - from;
    if (carry > MAX_LINE) {
      carry = -1;
      onLongLine(lineNo + 1);
    } else if (carry > 0) {
      area.copyWithin(CARRY - carry, from, stop);
    }
  }
  if (carry > 0) {
    area[CARRY] = NL;
    lineNo += sink.block(area, CARRY - carry, CARRY, lineNo + 1);
  }
  return lineNo;
}
