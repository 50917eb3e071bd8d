/**
 * Parser process: parses the files it is sent and sends their facts back in wire form (wire.ts).
 *
 * A process rather than a thread, so that a native crash in the parser (an abort takes the whole
 * process down) costs one worker, not the language server. The native tree-sitter binding does
 * not report its memory to V8 and has no Tree.delete(), so the worker collects explicitly every
 * ~64 MB of input (it is started with --expose-gc); without that it grows to many gigabytes.
 * Requests are handled synchronously, one after another: the pool keeps a second batch queued
 * here so the worker never waits for the main process, and knows which batch a crash was in.
 */
import Parser = require('tree-sitter');
import C = require('tree-sitter-c');
import { indexOneFile, type FileLimits } from './readFile';
import { WireWriter, type WireBatch } from './wire';

export interface WorkerInit { type: 'init'; root: string; limits: FileLimits }
export interface WorkerRequest { type: 'parse'; id: number; files: string[] }
export interface WorkerReply { id: number; batch: WireBatch }

const GC_EVERY_BYTES = 64 << 20;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

let root = '';
let limits: FileLimits | undefined;
let parser: Parser | undefined;
let sinceGc = 0;
/** One for the process's life: its dictionary is the pool's WireReader's for this worker. */
const wire = new WireWriter();

process.on('message', (msg: WorkerInit | WorkerRequest) => {
  if (msg.type === 'init') {
    root = msg.root;
    limits = msg.limits;
    parser = new Parser();
    parser.setLanguage(C as never);
    return;
  }
  for (const rel of msg.files) {
    const f = indexOneFile(parser!, root, rel, limits!);
    wire.add(f);
    if (!f.defineOnly) sinceGc += f.size;
    if (sinceGc > GC_EVERY_BYTES) { gc(); sinceGc = 0; }
  }
  const reply: WorkerReply = { id: msg.id, batch: wire.take() };
  process.send!(reply);
});

process.on('disconnect', () => process.exit(0));
