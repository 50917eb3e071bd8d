/**
 * Wires prototype history (git tags, other trees) into the language server: a hover section that
 * only reads a cache (the first hover starts the computation in a child process and says so), and
 * the `kpn/history` request that waits for the result. Settings are read on use, not pushed.
 */
import { ResponseError } from 'vscode-languageserver/node';
import { explainBest, type Explanation } from '../features/explain';
import { checkWorkTree } from '../history/git';
import type { HistoryRequest, HistoryResult } from '../history/model';
import { HistoryCache, HistoryProcess } from '../history/runner';
import { readSettings, type HistorySettings } from '../history/settings';
import { pollSettings } from './settingsPoller';
import { historyMarkdown } from '../history/summary';
import type { FeatureContext } from './context';

const HISTORY_REQUEST = 'kpn/history';
const COMPUTING = '_Prototype history: computing…_';

export interface HistoryParams { name: string; file?: string }

export function registerHistory(ctx: FeatureContext): void {
  const worker = new HistoryProcess(ctx.log);
  const cache = new HistoryCache();
  const settings = pollSettings(ctx, 'history', readSettings, () => cache.clear());
  const logged = new Set<string>();

  const compute = (e: Explanation) => async (): Promise<HistoryResult> => {
    const s = await settings.fresh();
    const result = await worker.run(requestFor(ctx.root(), e, s));
    const why = result.git.reason;
    if (why && isClone && !logged.has(why)) {
      logged.add(why);
      ctx.log(`history: no git tags for ${ctx.root()}: ${why}`);
    }
    return result;
  };

  // Whether the workspace is a git clone, asked once: without one and without other trees there
  // is nothing to compute, and an extracted tarball must not say "computing…" on every hover.
  let isClone: boolean | undefined;
  let probing = false;
  const probeGit = () => {
    if (isClone !== undefined || probing) return;
    probing = true;
    checkWorkTree(ctx.root()).then(
      () => { isClone = true; },
      (err: Error) => { isClone = false; ctx.log(`history: no git tags for ${ctx.root()}: ${err.message}`); },
    );
  };

  // Settings can only be asked for after initialization; the index being ready is the first sign of it.
  ctx.onIndexChanged(() => { settings.refreshSoon(); probeGit(); });

  ctx.addHoverSection((e) => {
    settings.refreshSoon();
    probeGit();
    const s = settings.current;
    // Until the settings are known, `enabled: false` might be set: start nothing yet.
    if (!s?.enabled || isClone === undefined || (!isClone && s.otherTrees.length === 0)) return undefined;
    const entry = cache.ensure(keyOf(e), compute(e));
    if (!entry || entry.state === 'computing') return entry ? COMPUTING : undefined;
    if (entry.state === 'failed') return `_Prototype history: ${entry.error}_`;
    return historyMarkdown(entry.result);
  });

  ctx.connection.onRequest(HISTORY_REQUEST, async (params: HistoryParams) => {
    const index = ctx.service()?.index;
    if (!index) throw new ResponseError(-32002, 'the index is not ready');
    if (typeof params?.name !== 'string') throw new ResponseError(-32602, 'expected { name, file? }');
    const best = explainBest(index, params.name, params.file);
    if (!best) throw new ResponseError(-32602, `no definition of ${params.name}${params.file ? ` in ${params.file}` : ''}`);
    await settings.fresh(); // a changed setting clears the cache before it is read
    try {
      return await cache.get(keyOf(best), compute(best));
    } catch (err) {
      throw new ResponseError(-32002, `history of ${params.name}: ${(err as Error).message}`);
    }
  });
}

/** The signature is part of the key: an edited prototype is compared afresh. */
function keyOf(e: Explanation): string {
  return `${e.name}\0${e.file}\0${e.signature}`;
}

function requestFor(root: string, e: Explanation, s: HistorySettings): HistoryRequest {
  return {
    root,
    name: e.name,
    current: { file: e.file, line: e.line, signature: e.signature, returnType: e.returnType, params: e.params },
    syscall: e.syscall ? { name: e.syscall.name, compat: e.syscall.compat } : undefined,
    tags: s.tags,
    maxTags: s.maxTags,
    otherTrees: s.otherTrees,
  };
}
