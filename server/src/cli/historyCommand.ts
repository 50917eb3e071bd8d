/**
 * `kpn history NAME --tree DIR [--file REL] [--tags v6.1,v6.12] [--max-tags N] [--other-trees A,B] [--json]`:
 * the prototype of a function across the release tags of the tree's git clone and in other trees.
 * With --file only that file is parsed; otherwise the index (--cache) finds the definition.
 */
import * as path from 'node:path';
import { explainBest } from '../features/explain';
import { computeHistory } from '../history/compute';
import type { HistoryRequest, HistoryResult, VersionEntry } from '../history/model';
import { toPrototype } from '../history/prototypes';
import { readSettings } from '../history/settings';
import { factsFromDisk } from '../index/singleFile';
import { parseArgs, UsageError } from './args';
import { openIndex } from './loadIndex';

const OPTIONS = ['tree', 'cache', 'workers', 'file', 'tags', 'max-tags', 'other-trees'] as const;

export async function historyCommand(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const p = parseArgs(args, OPTIONS);
  if (p.positional.length !== 1) throw new UsageError('expected one function name');
  const tree = p.options.get('tree');
  if (!tree) throw new UsageError('--tree <kernel tree> is required');
  const list = (k: string) => (p.options.get(k) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const problems: string[] = [];
  const settings = readSettings({
    tags: list('tags'),
    otherTrees: list('other-trees').map((t) => path.resolve(t)),
    ...(p.options.has('max-tags') ? { maxTags: Number(p.options.get('max-tags')) } : {}),
  }, problems);
  if (problems.length) throw new UsageError(problems.join('; '));
  const root = path.resolve(tree);
  const name = p.positional[0];
  const base = await currentDefinition(root, name, p.options.get('file'), p.options.get('cache'), p.options.has('workers') ? Number(p.options.get('workers')) : undefined, err, p.flags.has('json'));
  if (!base) { err.write(`kpn: no function named ${name} in ${p.options.get('file') ?? root}\n`); return 1; }
  const result = await computeHistory({ ...base, root, name, tags: settings.tags, maxTags: settings.maxTags, otherTrees: settings.otherTrees });
  out.write(p.flags.has('json') ? JSON.stringify(result, null, 2) + '\n' : historyText(result));
  return 0;
}

type Base = Pick<HistoryRequest, 'current' | 'syscall'>;

async function currentDefinition(root: string, name: string, file: string | undefined, cacheDir: string | undefined, workers: number | undefined, err: NodeJS.WritableStream, quiet: boolean): Promise<Base | undefined> {
  if (file) {
    const rel = path.relative(root, path.resolve(root, file)).split(path.sep).join('/');
    if (rel.startsWith('..')) throw new UsageError(`--file ${file} is outside the tree`);
    // the index's own reading policy: binary and oversized files are refused, not half-parsed
    const facts = await factsFromDisk(root, rel);
    if (facts.skipped) throw new Error(`cannot read ${rel}: ${facts.skipped}`);
    const fn = facts.functions.find((f) => f.name === name);
    return fn && { current: toPrototype(fn), syscall: fn.syscall && { name: fn.syscall.name, compat: fn.syscall.compat } };
  }
  const { index } = await openIndex({ tree: root, cacheDir, workers, log: (l) => { if (!quiet) err.write(l + '\n'); } });
  const e = explainBest(index, name);
  return e && {
    current: { file: e.file, line: e.line, signature: e.signature, returnType: e.returnType, params: e.params },
    syscall: e.syscall ? { name: e.syscall.name, compat: e.syscall.compat } : undefined,
  };
}

function historyText(r: HistoryResult): string {
  const lines = [`${r.current.signature}`, `  defined at ${r.file}:${r.current.line}`];
  const row = (v: VersionEntry) => v.prototype
    ? `    ${v.label.padEnd(10)} ${v.prototype.file}:${v.prototype.line}  ${v.prototype.signature}`
    : `    ${v.label.padEnd(10)} ${v.state}${v.reason ? `: ${v.reason}` : ''}`;
  if (r.git.state === 'ok') {
    lines.push('git tags:', ...r.git.summary.map((s) => `  ${s}`), ...r.git.versions.map(row));
  } else {
    lines.push(`git tags: none (${r.git.reason})`);
  }
  if (r.trees.length) {
    lines.push('other trees:');
    for (const t of r.trees) {
      const where = t.label === t.ref ? t.ref : `${t.label} (${t.ref})`;
      if (t.state !== 'present') lines.push(`  ${where}: ${t.state}${t.reason ? `: ${t.reason}` : ''}`);
      else lines.push(`  ${where}: ${t.changes.length ? t.changes.join('; ') : 'same prototype'}`, row(t));
    }
  }
  return lines.join('\n') + '\n';
}
