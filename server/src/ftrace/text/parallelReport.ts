/**
 * A large trace-cmd report parsed by worker threads, piece by piece (pieceBounds), each piece
 * into its own partial model; this thread absorbs the pieces in file order, which makes the
 * result exactly the sequential one (see PieceResult). The file is read by the workers; only
 * the small partial models come back. At most LOOKAHEAD pieces wait to be absorbed, so
 * memory stays bounded by the model however large the file. The workers come from a pool
 * (workerPool), warm when an earlier import used them.
 */
import type { Worker } from 'node:worker_threads';
import { ModelBuilder } from '../model';
import { pieceStarts } from './pieceBounds';
import type { PieceJob } from './pieceWorker';
import type { ParsedPiece } from './reportPiece';
import { returnWorker, takeWorker } from './workerPool';

export interface PieceImportOptions {
  workers: number;
  pieceSize: number;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

type Reply = { index: number; piece: ParsedPiece } | { index: number; error: string };

/** Parses the whole file into `b` (not finished); returns the number of lines. */
export function importReportPieces(fd: number, file: string, total: number, b: ModelBuilder, opts: PieceImportOptions): Promise<number> {
  const starts = pieceStarts(fd, total, opts.pieceSize);
  const ends = [...starts.slice(1), total];
  const count = starts.length;
  const lookahead = opts.workers * 2;
  return new Promise<number>((resolve, reject) => {
    const workers: Worker[] = [];
    const idle: Worker[] = [];
    const parsed = new Map<number, ParsedPiece>();
    let next = 0;
    let absorbed = 0;
    let lines = 0;
    let settled = false;
    const settle = (err: unknown): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      // Only workers that answered every job go back to the pool; on an error or a cancel
      // some may still be parsing, so all of them end.
      for (const w of workers) if (err === null) returnWorker(w); else void w.terminate();
      if (err === null) resolve(lines); else reject(err);
    };
    const onAbort = (): void => settle(opts.signal!.reason ?? new Error('import cancelled'));
    const dispatch = (): void => {
      while (idle.length > 0 && next < count && next < absorbed + lookahead) {
        const job: PieceJob = { file, index: next, start: starts[next], end: ends[next] };
        idle.pop()!.postMessage(job);
        next++;
      }
    };
    const onReply = (w: Worker, r: Reply): void => {
      if (settled) return;
      if ('error' in r) { settle(new Error(`parsing bytes ${starts[r.index]}-${ends[r.index]}: ${r.error}`)); return; }
      parsed.set(r.index, r.piece);
      idle.push(w);
      try {
        for (let p = parsed.get(absorbed); p !== undefined; p = parsed.get(absorbed)) {
          parsed.delete(absorbed);
          b.absorb(p.result, lines);
          lines += p.lines;
          opts.onProgress?.(ends[absorbed], total);
          absorbed++;
        }
      } catch (e) { settle(e); return; }
      if (absorbed === count) { settle(null); return; }
      dispatch();
    };
    if (opts.signal?.aborted) { onAbort(); return; }
    opts.signal?.addEventListener('abort', onAbort);
    for (let i = 0; i < Math.min(opts.workers, count); i++) {
      const w = takeWorker();
      w.on('message', (r: Reply) => onReply(w, r));
      w.on('error', (e) => settle(e));
      w.on('exit', (code) => settle(new Error(`import worker stopped (exit code ${code})`)));
      workers.push(w);
      idle.push(w);
    }
    dispatch();
  });
}
