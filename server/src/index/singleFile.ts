/** Re-extracts one file on the calling thread, for edits and saves (a pool is not worth starting for one file). */
import Parser = require('tree-sitter');
import C = require('tree-sitter-c');
import type { FileFacts } from './model';
import { factsOfText, indexOneFile, DEFAULT_LIMITS, type FileLimits } from './readFile';

let parser: Parser | undefined;

function getParser(): Parser {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(C as never);
  }
  return parser;
}

/** Facts of an unsaved buffer, under the same policy as files read from disk. */
export function factsFromText(rel: string, text: string, limits: FileLimits = DEFAULT_LIMITS): FileFacts {
  return factsOfText(getParser(), rel, text, Buffer.byteLength(text), Date.now(), limits);
}

/** Facts of a file as it is on disk. */
export async function factsFromDisk(root: string, rel: string, limits: FileLimits = DEFAULT_LIMITS): Promise<FileFacts> {
  return indexOneFile(getParser(), root, rel, limits);
}
