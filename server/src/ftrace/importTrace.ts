/**
 * Imports a trace file of any supported format into a TraceModel, streaming: text is read in
 * chunks of bytes and parsed line by line (trace-cmd report straight from the bytes, the other
 * formats decoded as latin1: every byte is one char, names are ASCII), trace.dat is read natively.
 * A trace-cmd report of two pieces or more is parsed by worker threads, piece by piece, to the
 * same model (text/parallelReport). Progress is reported on bytes read; an AbortSignal cancels
 * between chunks (pieces).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { detectTextBytes, type Detected, REPORT_HEADER, TRACE_DAT_MAGIC, TraceFormatError } from './detect';
import { ModelBuilder, TraceModel } from './model';
import { LineSplitter, type LineBlockSink } from './text/lineSplitter';
import { importReportPieces } from './text/parallelReport';
import { ProfileLineParser } from './text/profileLine';
import { ReportBytes } from './text/reportBytes';
import { ReportLineParser } from './text/reportLine';
import { StringLines } from './text/stringLines';
import { TracefsLineParser } from './text/tracefsLine';
import { prestart } from './text/workerPool';

export interface ImportOptions {
  signal?: AbortSignal;
  /** Called after every chunk with bytes consumed so far and the file size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  chunkSize?: number;
  /** Threads that parse a large trace-cmd report (default: up to 2 by the CPUs); 1 parses here. */
  workers?: number;
  /** Bytes per piece handed to a worker; files under two pieces are parsed here. */
  pieceSize?: number;
}

const DEFAULT_CHUNK = 4 << 20;

/** Parser threads for a large report: two, or one on a single-core machine. */
export function defaultWorkers(): number {
  return Math.min(2, os.availableParallelism());
}
const DEFAULT_PIECE = 16 << 20;

export async function importTrace(file: string, opts: ImportOptions = {}): Promise<TraceModel> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const total = (await fh.stat()).size;
    const start = Buffer.alloc(64);
    const { bytesRead } = await fh.read(start, 0, start.length, 0);
    if (bytesRead >= TRACE_DAT_MAGIC.length && start.subarray(0, TRACE_DAT_MAGIC.length).equals(TRACE_DAT_MAGIC)) {
      // Loaded on demand: its decompressors cost text imports (and `kpn` starts) ~12 ms.
      const { importTraceDat } = require('./traceDat/importTraceDat') as typeof import('./traceDat/importTraceDat');
      return await importTraceDat(fh, total, opts);
    }
    const workers = opts.workers ?? defaultWorkers();
    const pieceSize = Math.max(1, opts.pieceSize ?? DEFAULT_PIECE);
    if (workers > 1 && total >= 2 * pieceSize) {
      // A report's first line (`version = 6`, `cpus=4`) is enough to start the piece workers
      // booting while the format is detected; other text formats are parsed here and need none.
      // This thread parses pieces too (parallelReport).
      if (REPORT_HEADER.test(start.toString('latin1', 0, bytesRead).split('\n', 1)[0])) prestart(workers - 1);
      const head = Buffer.allocUnsafe(Math.min(total, DEFAULT_CHUNK));
      await fh.read(head, 0, head.length, 0);
      const d = detectHead(head);
      if (d.format === 'trace-cmd-report') {
        const b = new ModelBuilder(d.format, d.detail);
        const lines = await importReportPieces(fh.fd, file, total, b, { workers, pieceSize, signal: opts.signal, onProgress: opts.onProgress });
        return finishModel(b, lines);
      }
      // another text format: go on from the head already read and detected
      return await importTextHandle(fh, total, opts, { head, detected: d });
    }
    return await importTextHandle(fh, total, opts);
  } finally {
    await fh.close();
  }
}

/** One text importer for a file or a string: detection on the first chunk, then line parsing. */
export class TextImport {
  /** `detected`: the format of the first chunk, when the caller already knows it. */
  constructor(private readonly detected?: Detected) {}

  private builder: ModelBuilder | null = null;
  private parser: TracefsLineParser | ReportLineParser | ProfileLineParser | null = null;
  private splitter: LineSplitter | null = null;
  /** Input held back until there is enough of it to detect the format. */
  private head: Buffer[] = [];
  private headLen = 0;

  /** `chunk` is only read during the call, so a read buffer can be reused. */
  feed(chunk: Buffer): void {
    if (this.splitter === null) {
      if (this.headLen === 0 && chunk.length >= DEFAULT_CHUNK) {
        this.start(chunk);
      } else {
        this.head.push(Buffer.from(chunk));
        this.headLen += chunk.length;
        if (this.headLen < DEFAULT_CHUNK) return;
        chunk = this.takeHead();
      }
    }
    this.splitter!.feed(chunk);
  }

  finish(): TraceModel {
    if (this.splitter === null) {
      const all = this.takeHead();
      this.splitter!.feed(all);
    }
    this.splitter!.end();
    if (this.parser instanceof TracefsLineParser && this.parser.tracer !== '') this.builder!.model.formatDetail = this.parser.tracer;
    return finishModel(this.builder!, this.splitter!.lineNo);
  }

  private takeHead(): Buffer {
    const all = Buffer.concat(this.head);
    this.head = [];
    this.start(all);
    return all;
  }

  private start(first: Buffer): void {
    const d = this.detected ?? detectHead(first);
    const b = new ModelBuilder(d.format, d.detail);
    this.builder = b;
    let sink: LineBlockSink;
    if (d.format === 'trace-cmd-report') {
      const report = new ReportLineParser(b);
      this.parser = report;
      sink = new ReportBytes(b, report);
    } else {
      this.parser = d.format === 'trace-cmd-profile' ? new ProfileLineParser(b) : new TracefsLineParser(b);
      sink = new StringLines(this.parser);
    }
    this.splitter = new LineSplitter(sink, (n) => b.skip(n, 'line longer than 1 MiB dropped', ''));
  }
}

/** The format, from the first chunk of the file (whole lines of it when there are more). */
function detectHead(first: Buffer): Detected {
  const nl = first.lastIndexOf(0x0a);
  return detectTextBytes(first, nl > 0 && first.length >= DEFAULT_CHUNK ? nl : first.length);
}

function finishModel(b: ModelBuilder, lines: number): TraceModel {
  const model = b.finish();
  model.lines = lines;
  if (model.records === 0 && model.skipped.count > 0) {
    const first = model.skipped.samples[0];
    throw new TraceFormatError(first.line, `no trace record could be read (${first.reason}: ${JSON.stringify(first.text)})`);
  }
  return model;
}

export function importTraceText(text: string): TraceModel {
  return importTraceBytes(Buffer.from(text, 'latin1'));
}

export function importTraceBytes(bytes: Buffer): TraceModel {
  const t = new TextImport();
  t.feed(bytes);
  return t.finish();
}

async function importTextHandle(fh: fs.promises.FileHandle, total: number, opts: ImportOptions, read?: { head: Buffer; detected: Detected }): Promise<TraceModel> {
  const size = opts.chunkSize ?? DEFAULT_CHUNK;
  const buf = Buffer.allocUnsafe(size);
  const t = new TextImport(read?.detected);
  let pos = 0;
  if (read) {
    t.feed(read.head);
    pos = read.head.length;
    opts.onProgress?.(pos, total);
  }
  for (;;) {
    opts.signal?.throwIfAborted();
    const { bytesRead } = await fh.read(buf, 0, size, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    t.feed(bytesRead === size ? buf : buf.subarray(0, bytesRead));
    opts.onProgress?.(pos, total);
  }
  return t.finish();
}
