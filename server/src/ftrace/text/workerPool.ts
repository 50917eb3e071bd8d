/**
 * Piece workers kept between imports. A fresh worker pays for its start and for optimising its
 * code while it parses (about a third of its CPU time on a 520 MB report, bench/RESULTS.md);
 * a kept one is warm, so an editor's second import runs at full speed. Idle workers never keep
 * the process alive (unref) and end after IDLE_MS; a worker that fails is never kept.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

const IDLE_MS = 60_000;
/** Enough for one import on 2 cores; more idle workers would only hold memory. */
const MAX_IDLE = 2;

interface Idle { w: Worker; timer: NodeJS.Timeout }
const idle: Idle[] = [];

/** A warm worker when one is idle, else a new one; the caller adds its listeners. */
export function takeWorker(): Worker {
  const e = idle.pop();
  if (e !== undefined) {
    clearTimeout(e.timer);
    forget(e.w);
    e.w.ref();
    return e.w;
  }
  return newWorker();
}

/**
 * Starts up to n workers ahead of an import, so they boot (≈ 40 ms each) while the caller
 * detects the format and finds the piece bounds; unused ones stay idle like returned ones.
 */
export function prestart(n: number): void {
  while (idle.length < Math.min(n, MAX_IDLE)) park(newWorker());
}

function newWorker(): Worker {
  return new Worker(path.join(__dirname, 'pieceWorker.js'), { resourceLimits: { maxYoungGenerationSizeMb: 48 } });
}

/** Back to the pool after a successful import (every job answered); the caller's listeners go. */
export function returnWorker(w: Worker): void {
  forget(w);
  if (idle.length >= MAX_IDLE) { void w.terminate(); return; }
  w.postMessage(null);
  park(w);
}

function park(w: Worker): void {
  const e: Idle = { w, timer: setTimeout(() => drop(e, true), IDLE_MS) };
  e.timer.unref();
  w.unref();
  // An idle worker that dies is simply forgotten.
  w.on('error', () => drop(e, false));
  w.on('exit', () => drop(e, false));
  idle.push(e);
}

/** Removes the listeners of the last owner, by event: Worker keeps internal listeners of its own. */
function forget(w: Worker): void {
  for (const ev of ['message', 'error', 'exit']) w.removeAllListeners(ev);
}

function drop(e: Idle, terminate: boolean): void {
  const i = idle.indexOf(e);
  if (i >= 0) idle.splice(i, 1);
  clearTimeout(e.timer);
  if (terminate) void e.w.terminate();
}
