/**
 * Parses one piece of a trace-cmd report file (a run of whole lines, see pieceBounds) into a
 * PieceResult, reading the file itself so the bytes never cross threads.
 */
import { ModelBuilder, PieceResult } from '../model';
import { graphScanner, READ_AREA } from './graphScanner';
import { CARRY, readLineBlocks, TAIL } from './readLineBlocks';
import { ReportBytes } from './reportBytes';
import { ReportLineParser } from './reportLine';

/**
 * Read size: copies out of the page cache cost 4× more CPU per byte here from 192 KiB reads
 * up (520 MB: 60 ms in 128 KiB reads, 250 ms in 4 MiB reads; bench/ftrace/readSize.mjs), and a
 * small buffer stays in cache for the scanner. One buffer per thread: a new one per piece
 * would be external memory for the GC to account.
 */
let readArea: Buffer | null = null;

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
    // Read into the scanner's memory where there is one: runs of lines are then scanned in place.
    const area = readArea ?? (readArea = graphScanner()?.readBuffer() ?? Buffer.allocUnsafe(CARRY + READ_AREA + TAIL));
    const lines = readLineBlocks(fd, start, end, area, this.bytes, (n) => b.skip(n, 'line longer than 1 MiB dropped', ''));
    return { result: b.pieceResult(), lines };
  }
}

let parser: PieceParser | null = null;

export function parseReportPiece(fd: number, start: number, end: number): ParsedPiece {
  return (parser ??= new PieceParser()).parse(fd, start, end);
}
