/**
 * Computes a function's prototype history: at each chosen release tag of the workspace's clone
 * (oldest first) and in each other tree. Slow parts (git, parsing whole files) happen here, so
 * the language server runs this in a child process (historyProcess.ts), never on a hover.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readKernelVersion } from '../index/walk';
import { checkWorkTree, GitError, tagExists, tagsMergedIntoHead } from './git';
import { definitionPattern, rankCandidates, searchScope } from './locate';
import type { HistoryRequest, HistoryResult, VersionEntry } from './model';
import { closest } from './prototypes';
import { compareKernelVersions, MAX_TAGS, pickReleaseTags, validTagName } from './releaseTags';
import { directorySource, gitTagSource, type Source } from './sources';
import { describeTree, summariseTags } from './summary';

/** A grep at one tag of a kernel clone takes seconds; the whole history must stay well under a minute. */
const GREP_TIMEOUT_MS = 15_000;
const SEARCH_BUDGET_MS = 30_000;
const TAG_CACHE_MS = 60_000;

const tagCache = new Map<string, { at: number; tags: string[] }>();

export async function computeHistory(req: HistoryRequest): Promise<HistoryResult> {
  const started = Date.now();
  const budget = { until: started + SEARCH_BUDGET_MS };
  const result: HistoryResult = {
    name: req.name,
    file: req.current.file,
    current: req.current,
    git: { state: 'unavailable', versions: [], summary: [] },
    trees: [],
    ms: 0,
  };
  const pattern = definitionPattern(req.name, req.syscall);
  try {
    const tags = await chooseTags(req);
    // tags picked from `git tag --merged HEAD` exist; only the user's own are looked up (a git run each)
    const given = req.tags.length > 0;
    for (const tag of tags) {
      const entry: VersionEntry = validTagName(tag) && (!given || await tagExists(req.root, tag))
        ? await lookUp(gitTagSource(req.root, tag), tag, tag, req, pattern, budget)
        : { label: tag, ref: tag, state: 'error', reason: 'no such tag', changes: [] };
      result.git.versions.push(entry);
    }
    result.git.state = 'ok';
    result.git.summary = summariseTags(result.git.versions, req.current);
  } catch (e) {
    if (!(e instanceof GitError)) throw e;
    result.git.reason = e.message;
  }
  const ownVersion = await readKernelVersion(req.root);
  for (const tree of req.otherTrees) result.trees.push(await treeEntry(tree, req, pattern, budget, ownVersion));
  result.ms = Date.now() - started;
  return result;
}

async function chooseTags(req: HistoryRequest): Promise<string[]> {
  await checkWorkTree(req.root);
  if (req.tags.length > 0) return req.tags.slice(0, MAX_TAGS);
  const cached = tagCache.get(req.root);
  let all = cached && Date.now() - cached.at < TAG_CACHE_MS ? cached.tags : undefined;
  if (!all) {
    all = await tagsMergedIntoHead(req.root);
    tagCache.set(req.root, { at: Date.now(), tags: all });
  }
  const picked = pickReleaseTags(all, Math.min(Math.max(1, req.maxTags), MAX_TAGS));
  if (picked.length === 0) throw new GitError(all.length === 0 ? 'no tags reachable from HEAD (a shallow clone?)' : 'no release tags (vX.Y) reachable from HEAD');
  return picked;
}

async function treeEntry(tree: string, req: HistoryRequest, pattern: string, budget: { until: number }, ownVersion: string | undefined): Promise<VersionEntry> {
  const fail = (reason: string): VersionEntry => ({ label: tree, ref: tree, state: 'error', reason, changes: [] });
  if (!path.isAbsolute(tree)) return fail('not an absolute path');
  try {
    if (!(await fs.stat(tree)).isDirectory()) return fail('not a directory');
  } catch {
    return fail('does not exist');
  }
  if (path.resolve(tree) === path.resolve(req.root)) return fail('is the workspace itself');
  const version = await readKernelVersion(tree);
  const entry = await lookUp(directorySource(tree), version ?? path.basename(tree), tree, req, pattern, budget);
  if (entry.prototype) {
    const older = compareKernelVersions(version, ownVersion) <= 0;
    entry.changes = describeTree(entry.label, entry.prototype, req.current, older);
  }
  return entry;
}

/** The prototype at the same path if it is there, else in the best file a bounded grep finds. */
async function lookUp(src: Source, label: string, ref: string, req: HistoryRequest, pattern: string, budget: { until: number }): Promise<VersionEntry> {
  const entry: VersionEntry = { label, ref, state: 'absent', changes: [] };
  try {
    const file = req.current.file;
    const here = (await src.functionsIn([file])).get(file);
    const found = here?.get(req.name);
    if (found?.length) return { ...entry, state: 'present', prototype: closest(found, req.current) };
    const remaining = budget.until - Date.now();
    if (remaining <= 0) return { ...entry, state: 'error', reason: `not in ${file}; other files not searched (time budget spent)` };
    const hits = rankCandidates(await src.grep(pattern, searchScope(file), Math.min(GREP_TIMEOUT_MS, remaining)), file);
    const parsed = await src.functionsIn(hits);
    for (const f of hits) {
      const protos = parsed.get(f)?.get(req.name);
      if (protos?.length) return { ...entry, state: 'present', prototype: closest(protos, req.current) };
    }
    entry.reason = `${here ? `not defined in ${file}` : `no ${file}`}${hits.length ? `; not in ${hits.length} other candidate file${hits.length > 1 ? 's' : ''}` : ''} (searched ${searchScope(file).join(' ')})`;
    return entry;
  } catch (e) {
    return { ...entry, state: 'error', reason: (e as Error).message };
  }
}
