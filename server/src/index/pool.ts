/** Parses a list of files on a pool of worker threads, in batches, with progress and cancellation. */
import { Worker } from 'node:worker_threads';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FileFacts } from './model';
import type { FileLimits } from './readFile';
import type { WorkerReply, WorkerRequest } from './worker';

export interface PoolOptions {
  root: string;
  limits: FileLimits;
  /** 0 or undefined: one per core. */
  workers?: number;
  signal?: AbortSignal;
  onFacts: (facts: FileFacts) => void;
  onProgress?: (done: number, total: number) => void;
}

/** Small batches keep both workers busy to the end; large ones cut message overhead. */
const BATCH = 24;

export async function parseFiles(files: readonly string[], opts: PoolOptions): Promise<void> {
  if (files.length === 0) return;
  const count = Math.max(1, Math.min(opts.workers || os.availableParallelism(), Math.ceil(files.length / BATCH)));
  const workers = Array.from({ length: count }, () => new Worker(path.join(__dirname, 'worker.js'), { workerData: { root: opts.root, limits: opts.limits } }));
  let next = 0;
  let done = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let active = 0;
      const onAbort = () => reject(new Error('cancelled'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const feed = (w: Worker) => {
        if (opts.signal?.aborted) return;
        if (next >= files.length) {
          if (active === 0) { opts.signal?.removeEventListener('abort', onAbort); resolve(); }
          return;
        }
        const batch = files.slice(next, next + BATCH);
        next += batch.length;
        active++;
        const req: WorkerRequest = { id: next, files: batch };
        w.postMessage(req);
      };
      for (const w of workers) {
        w.on('message', (reply: WorkerReply) => {
          active--;
          for (const f of reply.facts) opts.onFacts(f);
          done += reply.facts.length;
          opts.onProgress?.(done, files.length);
          feed(w);
        });
        w.on('error', reject);
        w.on('exit', (code) => { if (code !== 0 && next < files.length) reject(new Error(`indexer worker exited with code ${code}`)); });
      }
      for (const w of workers) feed(w);
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
