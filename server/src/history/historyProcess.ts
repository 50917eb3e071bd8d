/**
 * Child process that computes histories for the language server, one at a time: git runs and
 * whole-file parses of several versions would otherwise stall hovers for hundreds of milliseconds.
 * A crash here costs the pending histories, not the server (runner.ts forks a new one).
 */
import { computeHistory } from './compute';
import type { HistoryRequest, HistoryResult } from './model';

export interface ProcessRequest { id: number; req: HistoryRequest }
export interface ProcessReply { id: number; result?: HistoryResult; error?: string }

let queue: Promise<void> = Promise.resolve();

process.on('message', (msg: ProcessRequest) => {
  queue = queue.then(async () => {
    let reply: ProcessReply;
    try {
      reply = { id: msg.id, result: await computeHistory(msg.req) };
    } catch (e) {
      reply = { id: msg.id, error: (e as Error).message };
    }
    process.send!(reply);
  });
});

process.on('disconnect', () => process.exit(0));
