/**
 * Imports a trace file of any supported format into a TraceModel, streaming: text is decoded
 * chunk by chunk (latin1: every byte is one char, names are ASCII) and parsed line by line,
 * trace.dat is read natively. Progress is reported on bytes read; an AbortSignal cancels
 * between chunks.
 */
import * as fs from 'node:fs';
import { detectTextFormat, TRACE_DAT_MAGIC, TraceFormatError } from './detect';
import { ModelBuilder, TraceModel } from './model';
import { LineSplitter } from './text/lineSplitter';
import { ProfileLineParser } from './text/profileLine';
import { ReportLineParser } from './text/reportLine';
import { TracefsLineParser } from './text/tracefsLine';
import { importTraceDat } from './traceDat/importTraceDat';

export interface ImportOptions {
  signal?: AbortSignal;
  /** Called after every chunk with bytes consumed so far and the file size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  chunkSize?: number;
}

const DEFAULT_CHUNK = 4 << 20;

export async function importTrace(file: string, opts: ImportOptions = {}): Promise<TraceModel> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const total = (await fh.stat()).size;
    const head = Buffer.alloc(TRACE_DAT_MAGIC.length);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    if (bytesRead === head.length && head.equals(TRACE_DAT_MAGIC)) {
      return await importTraceDat(fh, total, opts);
    }
    return await importTextHandle(fh, total, opts);
  } finally {
    await fh.close();
  }
}

/** One text importer for a file or a string: detection on the first chunk, then line parsing. */
export class TextImport {
  private builder: ModelBuilder | null = null;
  private parser: { line(s: string, a: number, b: number, n: number): void } | null = null;
  private readonly splitter: LineSplitter;

  constructor() {
    this.splitter = new LineSplitter(
      (s, a, b, n) => this.parser!.line(s, a, b, n),
      (n) => this.builder!.skip(n, 'line longer than 1 MiB dropped', ''),
    );
  }

  feed(chunk: string): void {
    if (this.parser === null) this.start(chunk);
    this.splitter.feed(chunk);
  }

  finish(): TraceModel {
    if (this.parser === null) this.start('');
    this.splitter.end();
    if (this.parser instanceof TracefsLineParser && this.parser.tracer !== '') this.builder!.model.formatDetail = this.parser.tracer;
    const model = this.builder!.finish();
    model.lines = this.splitter.lineNo;
    if (model.records === 0 && model.skipped.count > 0) {
      const first = model.skipped.samples[0];
      throw new TraceFormatError(first.line, `no trace record could be read (${first.reason}: ${JSON.stringify(first.text)})`);
    }
    return model;
  }

  private start(sample: string): void {
    const nl = sample.lastIndexOf('\n');
    const d = detectTextFormat(nl > 0 && sample.length >= DEFAULT_CHUNK ? sample.slice(0, nl) : sample);
    const b = new ModelBuilder(d.format, d.detail);
    this.builder = b;
    this.parser = d.format === 'trace-cmd-report' ? new ReportLineParser(b)
      : d.format === 'trace-cmd-profile' ? new ProfileLineParser(b)
      : new TracefsLineParser(b);
  }
}

export function importTraceText(text: string): TraceModel {
  const t = new TextImport();
  t.feed(text);
  return t.finish();
}

async function importTextHandle(fh: fs.promises.FileHandle, total: number, opts: ImportOptions): Promise<TraceModel> {
  const size = opts.chunkSize ?? DEFAULT_CHUNK;
  const buf = Buffer.allocUnsafe(size);
  const t = new TextImport();
  let pos = 0;
  for (;;) {
    opts.signal?.throwIfAborted();
    const { bytesRead } = await fh.read(buf, 0, size, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    t.feed(buf.toString('latin1', 0, bytesRead));
    opts.onProgress?.(pos, total);
  }
  return t.finish();
}
