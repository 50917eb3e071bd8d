/**
 * `kpn check FILE.bpf.o|FILE.bpf.c [--tree DIR] [--cache DIR] [--btf FILE] [--symbols FILE] [--running-kernel] [--json]`:
 * a dependency linter for eBPF programs. Each program section's target is judged against the
 * kernel tree and, when given, a real build; exit 1 when any target will not attach.
 * `--json` prints one object per target per line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sectionsOfObject, sectionsOfSource, type SectionAt } from '../check/bpfSections';
import { checkSections, type CheckResult } from '../check/checkTargets';
import { KernelIndex } from '../index/kernelIndex';
import { setNoFtraceRules } from '../stability/contextCache';
import { loadEvidence } from '../stability/evidenceStore';
import { scanNoFtrace } from '../stability/ftraceFlags';
import { parseArgs, UsageError } from './args';
import { openIndex } from './loadIndex';

const VALUED = ['tree', 'cache', 'btf', 'symbols', 'workers'] as const;

export async function checkCommand(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const p = parseArgs(args, VALUED);
  if (p.positional.length !== 1) throw new UsageError('check needs one FILE.bpf.o or FILE.bpf.c');
  const file = p.positional[0];
  const json = p.flags.has('json');
  const tree = p.options.get('tree');
  const btf = p.options.get('btf');
  const symbols = p.options.get('symbols');
  if (!tree && !btf && !symbols && !p.flags.has('running-kernel')) throw new UsageError('check needs --tree DIR, a build (--btf FILE, --symbols FILE, --running-kernel), or both');

  const sections = readSections(file);
  const evidence = loadEvidence({ runningKernel: p.flags.has('running-kernel'), btf, symbols });
  if (evidence?.problems.length) {
    for (const prob of evidence.problems) err.write(`kpn: build evidence: ${prob}\n`);
    if (!evidence.sources.btf && !evidence.sources.symbols) return 1;
  }
  let index: KernelIndex;
  if (tree) {
    const workers = p.options.has('workers') ? Number(p.options.get('workers')) : undefined;
    index = (await openIndex({ tree, cacheDir: p.options.get('cache'), workers, log: json ? undefined : (l) => err.write(l + '\n') })).index;
    setNoFtraceRules(index, await scanNoFtrace(index.root));
  } else {
    index = new KernelIndex(path.resolve('.'));
  }

  const results = checkSections(index, sections, evidence);
  if (json) for (const r of results) out.write(JSON.stringify(r) + '\n');
  else {
    if (results.length === 0) out.write(`${file}: no program sections\n`);
    for (const r of results) out.write(textLine(r));
    const errors = results.filter((r) => r.severity === 'error').length;
    const warnings = results.filter((r) => r.severity === 'warning').length;
    out.write(`${results.length} target${results.length === 1 ? '' : 's'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
  }
  return results.some((r) => r.severity === 'error') ? 1 : 0;
}

function readSections(file: string): SectionAt[] {
  if (/\.o$/.test(file)) return sectionsOfObject(file);
  if (/\.c$|\.h$/.test(file)) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`${file}: cannot read: ${(e as Error).message}`);
    }
    return sectionsOfSource(text);
  }
  throw new UsageError(`${file}: expected a .bpf.o (compiled object) or a .bpf.c (source)`);
}

function textLine(r: CheckResult): string {
  const where = r.at ? `:${r.at.line + 1}:${r.at.col + 1}` : '';
  const head = `${r.severity.padEnd(7)} ${r.section}${where}  ${r.attachable ? 'attachable' : 'NOT attachable'} (${r.verdict})${r.attachAs ? ` — attach as ${r.attachAs}` : ''}  [${r.source}]`;
  const lines = [head, ...r.reasons.map((x) => `          ${x}`)];
  if (r.alternatives?.length) lines.push(`          try: ${r.alternatives.slice(0, 4).map((a) => `${a.name} (${a.kind}: ${a.why})`).join('; ')}`);
  return lines.join('\n') + '\n';
}
