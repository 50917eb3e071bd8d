/** Re-extracts one file on the calling thread, for edits and saves (a pool is not worth starting for one file). */
import Parser = require('tree-sitter');
import C = require('tree-sitter-c');
import { extractFacts, scanFacts } from './extract';
import type { FileFacts } from './model';
import { indexOneFile, DEFAULT_LIMITS, type FileLimits } from './readFile';
import { isPreprocessorOnly } from './textScan';

let parser: Parser | undefined;

function getParser(): Parser {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(C as never);
  }
  return parser;
}

/** Facts of an unsaved buffer. */
export function factsFromText(rel: string, text: string, limits: FileLimits = DEFAULT_LIMITS): FileFacts {
  const size = Buffer.byteLength(text);
  if (isPreprocessorOnly(text)) return { ...scanFacts(rel, text, size, Date.now()), defineOnly: true };
  if (size > limits.maxParseBytes) return { ...scanFacts(rel, text, size, Date.now()), skipped: `larger than ${limits.maxParseBytes >> 20} MB` };
  return extractFacts(getParser(), rel, text, size, Date.now());
}

/** Facts of a file as it is on disk. */
export function factsFromDisk(root: string, rel: string, limits: FileLimits = DEFAULT_LIMITS): Promise<FileFacts> {
  return indexOneFile(getParser(), root, rel, limits);
}
