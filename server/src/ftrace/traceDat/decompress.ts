/**
 * Decompressors for trace.dat v7 sections: zlib (trace-cmd's zlib plugin writes zlib streams
 * with compress2) and zstd (plain frames; pure-JS fzstd because Node 20's zlib has no zstd).
 */
import * as zlib from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { TraceDatError } from './errors';

export type Decompressor = (data: Buffer, expected: number, offset: number) => Buffer;

export function decompressorFor(algorithm: string, offset: number): Decompressor | null {
  if (algorithm === 'none' || algorithm === '') return null;
  if (algorithm === 'zlib') return (data, expected, at) => check(inflate(data, at), expected, at);
  if (algorithm === 'zstd') return (data, expected, at) => check(unzstd(data, at), expected, at);
  throw new TraceDatError(offset, `compression "${algorithm}" is not supported (zlib and zstd are)`);
}

function inflate(data: Buffer, at: number): Buffer {
  try { return zlib.inflateSync(data); } catch (e) { throw new TraceDatError(at, `zlib data is corrupt: ${(e as Error).message}`); }
}

function unzstd(data: Buffer, at: number): Buffer {
  try {
    const out = zstdDecompress(data);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new TraceDatError(at, `zstd data is corrupt: ${(e as Error).message}`);
  }
}

function check(out: Buffer, expected: number, at: number): Buffer {
  if (out.length !== expected) throw new TraceDatError(at, `decompressed ${out.length} bytes, header says ${expected}`);
  return out;
}
