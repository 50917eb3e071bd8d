/**
 * Parses a list of files on a pool of worker processes (worker.ts), in batches, with progress
 * and cancellation. A worker that dies (a native crash in the parser) is replaced; its batch is
 * retried one file per batch, and a file that kills a worker on its own is recorded as skipped.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { emptyFacts, type FileFacts } from './model';
import type { FileLimits } from './readFile';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker';

export interface PoolOptions {
  root: string;
  limits: FileLimits;
  /** 0 or undefined: one per core. */
  workers?: number;
  signal?: AbortSignal;
  onFacts: (facts: FileFacts) => void;
  onProgress?: (done: number, total: number) => void;
  log?: (line: string) => void;
}

/** Small batches keep both workers busy to the end; large ones cut message overhead. */
const BATCH = 24;

interface Batch { id: number; files: string[]; isolated: boolean }

export async function parseFiles(files: readonly string[], opts: PoolOptions): Promise<void> {
  if (files.length === 0) return;
  const count = Math.max(1, Math.min(opts.workers || os.availableParallelism(), Math.ceil(files.length / BATCH)));
  const queue: Batch[] = [];
  for (let i = 0, id = 0; i < files.length; i += BATCH) queue.push({ id: id++, files: files.slice(i, i + BATCH), isolated: false });
  let nextId = queue.length;
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
        const w = fork(path.join(__dirname, 'worker.js'), [], { execArgv: ['--expose-gc'], serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
        let stderr = '';
        w.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
        workers.add(w);
        let current: Batch | undefined;
        const init: WorkerInit = { type: 'init', root: opts.root, limits: opts.limits };
        w.send(init);
        const feed = () => {
          if (finished || opts.signal?.aborted) return;
          current = queue.shift();
          if (!current) {
            if (active === 0) finish();
            return;
          }
          active++;
          const req: WorkerRequest = { type: 'parse', id: current.id, files: current.files };
          w.send(req);
        };
        w.on('message', (reply: WorkerReply) => {
          deathsInARow = 0;
          active--;
          current = undefined;
          for (const f of reply.facts) opts.onFacts(f);
          done += reply.facts.length;
          opts.onProgress?.(done, files.length);
          feed();
        });
        w.on('exit', (code, signal) => {
          workers.delete(w);
          if (finished) return;
          if (++deathsInARow > 8) {
            finish(new Error(`parser workers keep dying (${signal ?? `exit ${code}`}): ${stderr.trim() || 'no message'}`));
            return;
          }
          const lost = current;
          if (lost) {
            active--;
            const why = `parser worker died (${signal ?? `exit ${code}`})${stderr.trim() ? ': ' + stderr.trim().split('\n').pop() : ''}`;
            if (lost.isolated) {
              opts.log?.(`skipped ${lost.files[0]}: ${why}`);
              const f = emptyFacts(lost.files[0], 0, 0);
              f.skipped = why;
              opts.onFacts(f);
              done++;
              opts.onProgress?.(done, files.length);
            } else {
              opts.log?.(`${why}; retrying its ${lost.files.length} files one by one`);
              for (const file of lost.files) queue.unshift({ id: nextId++, files: [file], isolated: true });
            }
          }
          if (queue.length > 0 || active > 0) start();
          else finish();
        });
        feed();
      };
      for (let i = 0; i < count; i++) start();
    });
  } finally {
    for (const w of workers) w.kill();
  }
}
