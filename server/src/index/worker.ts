/**
 * Worker thread: parses the files it is sent and posts their facts back.
 * The native tree-sitter binding does not report its memory to V8 and has no Tree.delete(), so
 * without an explicit collection every ~64 MB of input a worker grows to many gigabytes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Parser = require('tree-sitter');
import C = require('tree-sitter-c');
import { indexOneFile, type FileLimits } from './readFile';

export interface WorkerRequest { id: number; files: string[] }
export interface WorkerReply { id: number; facts: import('./model').FileFacts[] }

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const { root, limits } = workerData as { root: string; limits: FileLimits };
const parser = new Parser();
parser.setLanguage(C as never);
const GC_EVERY_BYTES = 64 << 20;
let sinceGc = 0;

parentPort!.on('message', async (req: WorkerRequest) => {
  const facts = [];
  for (const rel of req.files) {
    const f = await indexOneFile(parser, root, rel, limits);
    facts.push(f);
    if (!f.defineOnly) sinceGc += f.size;
    if (sinceGc > GC_EVERY_BYTES) { gc(); sinceGc = 0; }
  }
  const reply: WorkerReply = { id: req.id, facts };
  parentPort!.postMessage(reply);
});
