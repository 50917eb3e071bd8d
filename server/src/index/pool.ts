/**
 * Parses a list of files on a pool of worker processes (worker.ts), in batches, with progress
 * and cancellation. A worker that dies (a native crash in the parser) is replaced; its batch is
 * retried one file per batch, and a file that kills a worker on its own is recorded as skipped.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { emptyFacts } from './model';
import type { FileLimits } from './readFile';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker';
import type { StoredFile } from './storedFile';
import { storedForm, WireReader, type NameTable } from './wire';

export interface PoolOptions {
  root: string;
  limits: FileLimits;
  /** 0 or undefined: one per core. */
  workers?: number;
  signal?: AbortSignal;
  /** The call-name table the files' call sites refer to (the index being filled). */
  names: NameTable;
  onFile: (file: StoredFile) => void;
  onProgress?: (done: number, total: number) => void;
  log?: (line: string) => void;
}

/** Small batches keep both workers busy to the end; large ones cut message overhead. */
const BATCH = 24;
/** Batches sent to a worker ahead of its answers, so it never waits for the main process. */
const IN_FLIGHT = 2;

/** Profiling flags are passed on, so `node --cpu-prof kpn.js index …` profiles the workers too. */
function workerExecArgv(): string[] {
  return ['--expose-gc', ...process.execArgv.filter((a) => a.startsWith('--cpu-prof'))];
}

interface Batch { id: number; files: string[]; isolated: boolean }

function batches(files: readonly string[]): Batch[] {
  const queue: Batch[] = [];
  for (let i = 0, id = 0; i < files.length; i += BATCH) queue.push({ id: id++, files: files.slice(i, i + BATCH), isolated: false });
  return queue;
}

/**
 * `list` may still be coming (a cold index's walk): the workers then start at once, so their
 * start-up (~0.2 s: node, tree-sitter) overlaps the walk, and get batches when it resolves.
 */
export async function parseFiles(list: readonly string[] | Promise<readonly string[]>, opts: PoolOptions): Promise<void> {
  const known = 'then' in list ? undefined : list;
  if (known?.length === 0) return;
  const count = Math.max(1, Math.min(opts.workers || os.availableParallelism(), known ? Math.ceil(known.length / BATCH) : Infinity));
  let files: readonly string[] = known ?? [];
  let queue: Batch[] | undefined = known && batches(known);
  let nextId = queue?.length ?? 0;
  /** Per live worker: sends it batches up to IN_FLIGHT. */
  const feeders = new Set<() => void>();
  let done = 0;
  // Deaths without a reply in between: a worker that cannot even start must not be restarted forever.
  let deathsInARow = 0;
  const workers = new Set<ChildProcess>();

  try {
    await new Promise<void>((resolve, reject) => {
      let active = 0;
      let finished = false;
      const finish = (err?: Error) => {
        if (finished) return;
        finished = true;
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => finish(new Error('cancelled'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      const start = () => {
        const w = fork(path.join(__dirname, 'worker.js'), [], { execArgv: workerExecArgv(), serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
        let stderr = '';
        w.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
        workers.add(w);
        const reader = new WireReader(opts.names);
        // Batches sent and not answered, in the order the worker handles them (it is synchronous):
        // the first is the one being parsed.
        const inflight: Batch[] = [];
        const init: WorkerInit = { type: 'init', root: opts.root, limits: opts.limits };
        w.send(init);
        const feed = () => {
          if (queue === undefined) return;
          while (!finished && !opts.signal?.aborted && inflight.length < IN_FLIGHT) {
            const next = queue.shift();
            if (!next) break;
            inflight.push(next);
            active++;
            const req: WorkerRequest = { type: 'parse', id: next.id, files: next.files };
            w.send(req);
          }
          if (active === 0 && queue.length === 0) finish();
        };
        w.on('message', (reply: WorkerReply) => {
          deathsInARow = 0;
          active--;
          inflight.shift();
          let got: StoredFile[];
          try {
            got = reader.read(reply.batch);
          } catch (e) {
            finish(new Error(`parser worker sent an unreadable batch: ${(e as Error).message}`));
            return;
          }
          for (const f of got) opts.onFile(f);
          done += got.length;
          opts.onProgress?.(done, files.length);
          feed();
        });
        feeders.add(feed);
        w.on('exit', (code, signal) => {
          workers.delete(w);
          feeders.delete(feed);
          if (finished) return;
          if (++deathsInARow > 8) {
            finish(new Error(`parser workers keep dying (${signal ?? `exit ${code}`}): ${stderr.trim() || 'no message'}`));
            return;
          }
          if (queue === undefined) { start(); return; }
          const lost = inflight.shift();
          // Batches queued behind the one that crashed were never started: back to the queue as they are.
          for (const b of inflight.reverse()) { active--; queue.unshift(b); }
          if (lost) {
            active--;
            const why = `parser worker died (${signal ?? `exit ${code}`})${stderr.trim() ? ': ' + stderr.trim().split('\n').pop() : ''}`;
            if (lost.isolated) {
              const f = emptyFacts(lost.files[0], 0, 0);
              f.skipped = why;
              opts.onFile(storedForm(f, opts.names));
              done++;
              opts.onProgress?.(done, files.length);
            } else {
              opts.log?.(`${why}; retrying its ${lost.files.length} files one by one`);
              for (const file of lost.files) queue!.unshift({ id: nextId++, files: [file], isolated: true });
            }
          }
          if (queue.length > 0 || active > 0) start();
          else finish();
        });
        feed();
      };
      for (let i = 0; i < count; i++) start();
      if (!known) {
        (list as Promise<readonly string[]>).then((l) => {
          files = l;
          queue = batches(l);
          nextId = queue.length;
          for (const feed of [...feeders]) feed();
        }, (e: unknown) => finish(e instanceof Error ? e : new Error(String(e))));
      }
    });
    // Idle workers exit on disconnect (writing a --cpu-prof profile if asked); busy ones are killed below.
    for (const w of workers) if (w.connected) w.disconnect();
  } finally {
    for (const w of workers) if (w.exitCode === null && w.connected) w.kill();
  }
}
