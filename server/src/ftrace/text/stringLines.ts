/**
 * Adapts a string line parser to byte blocks: the block is decoded once (latin1: every byte is
 * one char, names are ASCII) and its lines reach the parser as (s, start, end, lineNo).
 */
import type { LineBlockSink } from './lineSplitter';

export interface StringLineParser { line(s: string, start: number, end: number, lineNo: number): void }

export class StringLines implements LineBlockSink {
  constructor(private readonly parser: StringLineParser) {}

  block(buf: Buffer, start: number, stop: number, firstLineNo: number): number {
    const s = buf.toString('latin1', start, stop + 1);
    let n = firstLineNo;
    let p = 0;
    for (;;) {
      const nl = s.indexOf('\n', p);
      if (nl < 0) break;
      this.parser.line(s, p, nl, n++);
      p = nl + 1;
    }
    return n - firstLineNo;
  }
}
