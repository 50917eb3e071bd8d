/** Worker thread of the parallel report import: parses the pieces it is sent, one at a time. */
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { parseReportPiece } from './reportPiece';

export interface PieceJob { index: number; start: number; end: number }

const fd = fs.openSync((workerData as { file: string }).file, 'r');
parentPort!.on('message', (job: PieceJob) => {
  try {
    parentPort!.postMessage({ index: job.index, piece: parseReportPiece(fd, job.start, job.end) });
  } catch (e) {
    parentPort!.postMessage({ index: job.index, error: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
});
