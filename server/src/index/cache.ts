/**
 * Saves and reloads the index, so the next start skips parsing for unchanged files.
 *
 * One file per tree: a fixed header (magic, format version, payload length and a CRC-32), a JSON
 * description, then the payload in the columnar form of cacheCodec.ts (V8 serialisation of the
 * fact objects took ~10 s to read back for a full tree). Anything unexpected (another format version, a truncated or corrupt file) makes `load`
 * return undefined with the reason logged; the caller then indexes from scratch.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { closeSync, fstatSync, openSync, promises as fs, readSync } from 'node:fs';
import * as path from 'node:path';
import { decodeIndex, encodeIndex, readSections } from './cacheCodec';
import { KernelIndex } from './kernelIndex';

const MAGIC = 'KPNIDX\n\0';
/** Bump whenever extraction or the stored shape changes: old caches are then discarded. */
export const CACHE_FORMAT = 7;
const HEADER_BYTES = 8 + 4 + 8 + 4 + 4;
interface Description { root: string; kernelVersion?: string; savedAt: string; files: number }

export function cacheFileFor(cacheDir: string, root: string): string {
  const key = createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 16);
  return path.join(cacheDir, `index-${key}.kpn`);
}

export async function saveIndex(index: KernelIndex, file: string): Promise<number> {
  const snap = index.snapshot();
  const parts = encodeIndex(snap.names, snap.files, snap.resolvedOps);
  let crc = 0;
  let payloadLength = 0;
  for (const p of parts) { crc = crc32(p, crc); payloadLength += p.length; }
  const desc: Description = { root: path.resolve(index.root), kernelVersion: index.kernelVersion, savedAt: new Date().toISOString(), files: index.fileList().length };
  const descBuf = Buffer.from(JSON.stringify(desc));
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(CACHE_FORMAT, 8);
  header.writeBigUInt64LE(BigInt(payloadLength), 12);
  header.writeUInt32LE(crc, 20);
  header.writeUInt32LE(descBuf.length, 24);
  await fs.mkdir(path.dirname(file), { recursive: true });
  // Write then rename, so a crash mid-write never leaves a half file under the real name.
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, [header, descBuf, ...parts]);
  await fs.rename(tmp, file);
  return HEADER_BYTES + descBuf.length + payloadLength;
}

export type LoadResult = { index: KernelIndex } | { index?: undefined; reason: string };

export async function loadIndex(file: string, root: string): Promise<LoadResult> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    return { reason: `no cache (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})` };
  }
  try {
    return readCache(fd, root);
  } catch (e) {
    return { reason: `cache unreadable: ${(e as Error).message}` };
  } finally {
    closeSync(fd);
  }
}

/**
 * Blocking reads (the async form reads a 200 MB file in 512 KB thread-pool round trips), each
 * section straight into a buffer of its own: no copy of the whole file, columns used in place.
 */
function readCache(fd: number, root: string): LoadResult {
  const size = fstatSync(fd).size;
  const readFully = (into: Uint8Array) => {
    let got = 0;
    while (got < into.length) {
      const n = readSync(fd, into, got, into.length - got, null);
      if (n === 0) throw new Error('file ended early');
      got += n;
    }
  };
  const header = Buffer.alloc(HEADER_BYTES);
  if (size < HEADER_BYTES) return { reason: 'not an index cache file' };
  readFully(header);
  if (header.toString('latin1', 0, 8) !== MAGIC) return { reason: 'not an index cache file' };
  const format = header.readUInt32LE(8);
  if (format !== CACHE_FORMAT) return { reason: `cache format ${format}, this version reads ${CACHE_FORMAT}` };
  const payloadLen = Number(header.readBigUInt64LE(12));
  const descLen = header.readUInt32LE(24);
  if (HEADER_BYTES + descLen + payloadLen !== size) return { reason: 'cache file truncated or padded' };
  const descBuf = Buffer.alloc(descLen);
  readFully(descBuf);
  const desc = JSON.parse(descBuf.toString('utf8')) as Description;
  if (desc.root !== path.resolve(root)) return { reason: `cache is for ${desc.root}` };
  let crc = 0;
  let sections: Uint8Array[];
  try {
    sections = readSections(payloadLen, (into) => { readFully(into); crc = crc32(into, crc); });
  } catch (e) {
    // a damaged length field sends the reader astray before the checksum can be compared
    return { reason: `cache checksum mismatch or damaged layout (corrupt): ${(e as Error).message}` };
  }
  if (crc !== header.readUInt32LE(20)) return { reason: 'cache checksum mismatch (corrupt)' };
  const data = decodeIndex(sections);
  const index = new KernelIndex(root, desc.kernelVersion);
  index.restore(data.names, data.files, data.definitions, data.ops);
  return { index };
}
