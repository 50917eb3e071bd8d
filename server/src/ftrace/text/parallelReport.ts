/**
 * A large trace-cmd report parsed piece by piece (pieceBounds), each piece into its own partial
 * model, by this thread and `workers - 1` worker threads; this thread absorbs the pieces in file
 * order, which makes the result exactly the sequential one (see PieceResult). A worker reads the
 * file itself; only the small partial models come back. At most `lookahead` pieces wait to be
 * absorbed, so memory stays bounded by the model however large the file. The workers come from
 * a pool (workerPool), warm when an earlier import used them.
 *
 * This thread parses pieces too, one between two turns of the event loop (≈ 20 ms for 16 MiB):
 * on two cores a second worker cost a thread start and its own JIT warm-up while this
 * thread sat idle (bench/RESULTS.md). Each worker is kept two jobs ahead, so it never waits for
 * this thread to finish a piece before it gets the next one.
 */
import type { Worker } from 'node:worker_threads';
import { ModelBuilder } from '../model';
import { pieceStarts } from './pieceBounds';
import type { PieceJob } from './pieceWorker';
import { parseReportPiece, type ParsedPiece } from './reportPiece';
import { returnWorker, takeWorker } from './workerPool';

export interface PieceImportOptions {
  /** Threads that parse, this one included. */
  workers: number;
  pieceSize: number;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

type Reply = { index: number; piece: ParsedPiece } | { index: number; error: string };

/** Jobs sent to a worker ahead of its replies. */
const QUEUED = 2;

/** Parses the whole file into `b` (not finished); returns the number of lines. */
export function importReportPieces(fd: number, file: string, total: number, b: ModelBuilder, opts: PieceImportOptions): Promise<number> {
  const starts = pieceStarts(fd, total, opts.pieceSize);
  const ends = [...starts.slice(1), total];
  const count = starts.length;
  const helpers = Math.max(0, opts.workers - 1);
  const lookahead = helpers * QUEUED + 2;
  return new Promise<number>((resolve, reject) => {
    const workers: Worker[] = [];
    /** Jobs sent to each worker and not answered yet. */
    const busy = new Map<Worker, number>();
    const parsed = new Map<number, ParsedPiece>();
    let next = 0;
    let absorbed = 0;
    let lines = 0;
    let settled = false;
    let turn: NodeJS.Immediate | null = null;
    const settle = (err: unknown): void => {
      if (settled) return;
      settled = true;
      if (turn !== null) clearImmediate(turn);
      opts.signal?.removeEventListener('abort', onAbort);
      // Only workers that answered every job go back to the pool; on an error or a cancel
      // some may still be parsing, so all of them end.
      for (const w of workers) if (err === null) returnWorker(w); else void w.terminate();
      if (err === null) resolve(lines); else reject(err);
    };
    const onAbort = (): void => settle(opts.signal!.reason ?? new Error('import cancelled'));
    const ahead = (): boolean => next < count && next < absorbed + lookahead;
    const dispatch = (): void => {
      for (const w of workers) {
        while (ahead() && busy.get(w)! < QUEUED) {
          const job: PieceJob = { file, index: next, start: starts[next], end: ends[next] };
          w.postMessage(job);
          busy.set(w, busy.get(w)! + 1);
          next++;
        }
      }
    };
    /** Absorbs the parsed pieces that are next in file order; true when every piece is in. */
    const absorbReady = (): boolean => {
      for (let p = parsed.get(absorbed); p !== undefined; p = parsed.get(absorbed)) {
        parsed.delete(absorbed);
        b.absorb(p.result, lines);
        lines += p.lines;
        opts.onProgress?.(ends[absorbed], total);
        absorbed++;
      }
      return absorbed === count;
    };
    const step = (): void => {
      try {
        if (absorbReady()) { settle(null); return; }
        // A progress callback may have cancelled.
        if (settled) return;
        dispatch();
      } catch (e) { settle(e); return; }
      // A piece here when one is free; the workers' replies are read between two pieces.
      if (ahead()) turn ??= setImmediate(() => parseHere());
    };
    /** Parses piece `i` here, or the next one when it is free. */
    const parseHere = (i?: number): void => {
      turn = null;
      if (settled) return;
      if (i === undefined) {
        if (!ahead()) return;
        i = next++;
      }
      try {
        parsed.set(i, parseReportPiece(fd, starts[i], ends[i]));
      } catch (e) {
        settle(new Error(`parsing bytes ${starts[i]}-${ends[i]}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));
        return;
      }
      step();
    };
    const onReply = (w: Worker, r: Reply): void => {
      if (settled) return;
      if ('error' in r) { settle(new Error(`parsing bytes ${starts[r.index]}-${ends[r.index]}: ${r.error}`)); return; }
      busy.set(w, busy.get(w)! - 1);
      parsed.set(r.index, r.piece);
      step();
    };
    if (opts.signal?.aborted) { onAbort(); return; }
    opts.signal?.addEventListener('abort', onAbort);
    for (let i = 0; i < Math.min(helpers, count - 1); i++) {
      const w = takeWorker();
      w.on('message', (r: Reply) => onReply(w, r));
      w.on('error', (e) => settle(e));
      w.on('exit', (code) => settle(new Error(`import worker stopped (exit code ${code})`)));
      workers.push(w);
      busy.set(w, 0);
    }
    // The first piece is this thread's: the workers may still be starting.
    const first = next++;
    dispatch();
    turn = setImmediate(() => parseHere(first));
  });
}
