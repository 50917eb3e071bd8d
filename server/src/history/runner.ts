/**
 * Runs history computations in a child process (historyProcess.ts), started on first use and
 * stopped when idle, and keeps the results per (name, file, signature) so that a hover only ever
 * reads a map.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import * as path from 'node:path';
import type { ProcessReply, ProcessRequest } from './historyProcess';
import type { HistoryRequest, HistoryResult } from './model';

const IDLE_MS = 60_000;

export class HistoryProcess {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: HistoryResult) => void; reject: (e: Error) => void }>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly log: (line: string) => void) {}

  run(req: HistoryRequest): Promise<HistoryResult> {
    const child = this.ensure();
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      child.send({ id, req } satisfies ProcessRequest);
    });
  }

  dispose(): void {
    clearTimeout(this.idleTimer);
    this.child?.kill();
    this.child = undefined;
  }

  private ensure(): ChildProcess {
    if (this.child) return this.child;
    // Not the server's execArgv: a debugged server's --inspect port would clash.
    const child = fork(path.join(__dirname, 'historyProcess.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: ['--expose-gc'] });
    try {
      // Parsing competes with the server for the cores; hovers must win.
      if (child.pid) setPriority(child.pid, 10);
    } catch { /* not permitted: run at normal priority */ }
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
    child.on('message', (m: ProcessReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.result) p.resolve(m.result);
      else p.reject(new Error(m.error ?? 'no result'));
      if (this.pending.size === 0) this.idleTimer = setTimeout(() => this.dispose(), IDLE_MS).unref();
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.pending.size === 0) return;
      const why = `history process exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`;
      this.log(why);
      for (const p of this.pending.values()) p.reject(new Error(why));
      this.pending.clear();
    });
    this.child = child;
    return child;
  }
}

export type CacheEntry = { state: 'computing' } | { state: 'done'; result: HistoryResult } | { state: 'failed'; error: string; at: number };

/** A failure (the process crashed, git timed out) is shown for a while, then a hover tries again. */
const RETRY_FAILED_MS = 30_000;

/**
 * Results by key, bounded; at most `maxRunning` computations at once (a hover beyond that starts
 * nothing, and a later hover asks again). Clearing (settings changed) drops running ones too.
 */
export class HistoryCache {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly running = new Map<string, Promise<HistoryResult>>();
  private generation = 0;

  constructor(private readonly maxEntries = 1000, private readonly maxRunning = 8) {}

  /** Starts the computation unless it is known (done, running, recently failed) or too many run; returns what is known now. */
  ensure(key: string, compute: () => Promise<HistoryResult>): CacheEntry | undefined {
    const known = this.entries.get(key);
    const stale = known?.state === 'failed' && Date.now() - known.at > RETRY_FAILED_MS;
    if ((known && !stale) || this.running.size >= this.maxRunning) return known;
    void this.get(key, compute).catch(() => { /* kept as a failed entry */ });
    return this.entries.get(key);
  }

  /** The result, computing it if needed (the `kpn/history` request waits for it). */
  get(key: string, compute: () => Promise<HistoryResult>): Promise<HistoryResult> {
    const known = this.entries.get(key);
    if (known?.state === 'done') return Promise.resolve(known.result);
    const running = this.running.get(key);
    if (running) return running;
    const gen = this.generation;
    this.set(key, { state: 'computing' });
    const p = compute().then(
      (result) => { if (gen === this.generation) this.set(key, { state: 'done', result }); return result; },
      (e: Error) => { if (gen === this.generation) this.set(key, { state: 'failed', error: e.message, at: Date.now() }); throw e; },
    ).finally(() => { if (this.running.get(key) === p) this.running.delete(key); });
    this.running.set(key, p);
    return p;
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.running.clear();
  }

  private set(key: string, e: CacheEntry): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, e);
  }
}
