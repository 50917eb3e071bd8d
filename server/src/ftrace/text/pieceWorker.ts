/**
 * Worker thread of the parallel report import: parses the pieces it is sent, one at a time. It
 * outlives one import (workerPool), so each job names its file; the descriptor is opened by the
 * first job of an import and closed when the import is over (the file may be replaced before
 * the next one).
 */
import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { parseReportPiece } from './reportPiece';

export interface PieceJob { file: string; index: number; start: number; end: number }

let open: { file: string; fd: number } | null = null;

function close(): void {
  if (open !== null) fs.closeSync(open.fd);
  open = null;
}

function fdFor(file: string): number {
  if (open !== null && open.file === file) return open.fd;
  close();
  open = { file, fd: fs.openSync(file, 'r') };
  return open.fd;
}

/** null: the import is over and the worker waits in the pool. */
parentPort!.on('message', (job: PieceJob | null) => {
  if (job === null) { close(); return; }
  try {
    parentPort!.postMessage({ index: job.index, piece: parseReportPiece(fdFor(job.file), job.start, job.end) });
  } catch (e) {
    parentPort!.postMessage({ index: job.index, error: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
});
