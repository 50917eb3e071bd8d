// One import of a trace file in a fresh process, as importTrace does by default (this thread and
// worker threads parse a large report; `workers` counts them all): prints JSON {seconds,
// cpuSeconds, maxRssKb, functions, calls, workers}.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { importTrace, defaultWorkers } = createRequire(import.meta.url)(path.join(repo, 'server/out/ftrace/importTrace.js'));
const t0 = process.hrtime.bigint();
const m = await importTrace(process.argv[2]);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
let calls = 0;
for (const f of m.functions.values()) calls += f.calls;
const ru = process.resourceUsage();
console.log(JSON.stringify({ seconds, cpuSeconds: (ru.userCPUTime + ru.systemCPUTime) / 1e6, maxRssKb: ru.maxRSS, functions: m.functions.size, calls, workers: defaultWorkers() }));
