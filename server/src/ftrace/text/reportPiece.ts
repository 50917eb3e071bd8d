/**
 * Parses one piece of a trace-cmd report file (a run of whole lines, see pieceBounds) into a
 * PieceResult, reading the file itself so the bytes never cross threads.
 */
import * as fs from 'node:fs';
import { ModelBuilder, PieceResult } from '../model';
import { graphScanner, READ_AREA } from './graphScanner';
import { LineSplitter } from './lineSplitter';
import { ReportBytes } from './reportBytes';
import { ReportLineParser } from './reportLine';

/**
 * Read size: copies out of the page cache cost 4× more CPU per byte here from 192 KiB reads
 * up (520 MB: 60 ms in 128 KiB reads, 250 ms in 4 MiB reads; bench/ftrace/readSize.mjs), and a
 * small buffer stays in cache for the scanner. One buffer per thread: a new one per piece
 * would be external memory for the GC to account.
 */
const READ = READ_AREA;
let readBuf: Buffer | null = null;

export interface ParsedPiece { result: PieceResult; lines: number }

/**
 * This thread's parser, kept from piece to piece: the same builder and byte parser for every
 * piece keep the object shapes the optimised code was compiled for (a new builder per piece cost
 * 5-6 TurboFan compiles of the hot loop per worker instead of 1-2, bench/RESULTS.md).
 */
class PieceParser {
  readonly b = new ModelBuilder('trace-cmd-report', '', true);
  readonly bytes = new ReportBytes(this.b, new ReportLineParser(this.b));

  parse(fd: number, start: number, end: number): ParsedPiece {
    this.b.restartPiece();
    this.bytes.restartPiece();
    const b = this.b;
    const split = new LineSplitter(this.bytes, (n) => b.skip(n, 'line longer than 1 MiB dropped', ''));
    // Read into the scanner's memory where there is one: runs of lines are then scanned in place.
    const buf = readBuf ?? (readBuf = graphScanner()?.readBuffer() ?? Buffer.allocUnsafe(READ));
    for (let pos = start; pos < end;) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
      if (n === 0) break;
      split.feed(n === buf.length ? buf : buf.subarray(0, n));
      pos += n;
    }
    split.end();
    return { result: b.pieceResult(), lines: split.lineNo };
  }
}

let parser: PieceParser | null = null;

export function parseReportPiece(fd: number, start: number, end: number): ParsedPiece {
  return (parser ??= new PieceParser()).parse(fd, start, end);
}
