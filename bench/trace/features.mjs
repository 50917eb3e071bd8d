// Cost of the per-request trace features (not-seen analysis, file marks, flame data, candidates)
// on real traces and the 6.1 subset index (no baseline: a cost breakdown, not a target): node bench/trace/features.mjs
import { subsetIndex } from '../../test/support/subsetIndex.mjs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { importTrace } = require('../../server/out/ftrace/importTrace.js');
const { notSeenFunctions } = require('../../server/out/features/trace/notSeen.js');
const { fileMarks } = require('../../server/out/features/trace/fileMarks.js');
const { flameGraph } = require('../../server/out/features/trace/flame.js');
const { probeCandidates } = require('../../server/out/features/trace/candidates.js');
const { index } = await subsetIndex();
for (const f of [new URL('../../../shared/fixtures/traces/raw-funcgraph-04.txt', import.meta.url).pathname, new URL('../../test/trace/fixtures/tcr-funcgraph-ping-sendto.txt', import.meta.url).pathname]) {
  const m = await importTrace(f);
  const t = (label, fn) => { const t0 = performance.now(); let r; for (let i = 0; i < 20; i++) r = fn(); console.log(`${f.split('/').pop()} ${label}: ${((performance.now() - t0) / 20).toFixed(2)} ms`); return r; };
  console.log(f.split('/').pop(), 'functions', m.functions.size, 'edges', [...m.edges.values()].reduce((a, x) => a + x.size, 0));
  const ns = t('notSeen', () => notSeenFunctions(m, index));
  t('fileMarks net/ipv4/tcp.c', () => fileMarks(m, index, 'net/ipv4/tcp.c', ns));
  t('flameGraph', () => flameGraph(m));
  const sys = [...m.syscalls.keys()][0];
  if (sys) t(`candidates ${sys}`, () => probeCandidates(m, index, sys));
}
