/** Reads one source file and decides how much of it to look at, then extracts its facts. */
import { readFileSync, statSync } from 'node:fs';
import type Parser = require('tree-sitter');
import { extractFacts, scanFacts } from './extract';
import { emptyFacts, type FileFacts } from './model';
import { isPreprocessorOnly, looksBinary } from './textScan';

export interface FileLimits {
  /** Larger files are not parsed (a log line says so); preprocessor-only files up to `maxScanBytes` are still scanned. */
  maxParseBytes: number;
  maxScanBytes: number;
}

export const DEFAULT_LIMITS: FileLimits = { maxParseBytes: 8 << 20, maxScanBytes: 64 << 20 };

/**
 * Reads one file, blocking: the parser workers have nothing else to do meanwhile (asynchronous
 * reads only added event-loop round trips per file), and the server reads one file per edit.
 */
export function indexOneFile(parser: Parser, root: string, rel: string, limits: FileLimits): FileFacts {
  let size = 0;
  let mtimeMs = 0;
  try {
    const st = statSync(`${root}/${rel}`);
    size = st.size;
    mtimeMs = st.mtimeMs;
    if (size > limits.maxScanBytes) return skipped(rel, size, mtimeMs, `larger than ${limits.maxScanBytes >> 20} MB`);
    const buf = readFileSync(`${root}/${rel}`);
    if (looksBinary(buf)) return skipped(rel, size, mtimeMs, 'binary (NUL bytes)');
    return factsOfText(parser, rel, buf.toString('utf8'), size, mtimeMs, limits);
  } catch (e) {
    // Deleted or unreadable while indexing: recorded, never fatal.
    return skipped(rel, size, mtimeMs, `unreadable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** How much of a decoded file to look at: scan a preprocessor-only one, skip a huge one, parse the rest. */
export function factsOfText(parser: Parser, rel: string, text: string, size: number, mtimeMs: number, limits: FileLimits): FileFacts {
  if (isPreprocessorOnly(text)) {
    const facts = scanFacts(rel, text, size, mtimeMs);
    facts.defineOnly = true;
    return facts;
  }
  if (size > limits.maxParseBytes) return skipped(rel, size, mtimeMs, `larger than ${limits.maxParseBytes >> 20} MB and not preprocessor-only`);
  return extractFacts(parser, rel, text, size, mtimeMs);
}

function skipped(file: string, size: number, mtimeMs: number, why: string): FileFacts {
  const f = emptyFacts(file, size, mtimeMs);
  f.skipped = why;
  return f;
}
