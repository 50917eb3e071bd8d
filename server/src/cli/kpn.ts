#!/usr/bin/env node
/**
 * `kpn`: the command-line face of the same core the language server uses; the subcommands are
 * in USAGE. JSON shapes are documented in README.md and kept stable.
 */
import { UsageError } from './args';

const USAGE = `usage:
  kpn index <tree> [--cache DIR] [--json] [--workers N]
  kpn explain <function> --tree <tree> [--cache DIR] [--json]
  kpn ops <struct|instance|function> --tree <tree> [--cache DIR] [--json]
  kpn trace import <file> [--json] | kpn trace run [--json] [--buffer-kb KB] -- <command…>
  kpn attach <target> [--type kprobe|fentry|tracepoint|…] [--for SECONDS] [--json]
  kpn check <FILE.bpf.o|FILE.bpf.c> [--tree DIR] [--cache DIR] [--btf FILE] [--symbols FILE] [--running-kernel] [--json]
  kpn history <function> --tree <tree> [--file REL] [--tags T1,T2] [--max-tags N] [--other-trees DIR1,DIR2] [--json]`;

type Command = (args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream) => Promise<number>;

/**
 * Each subcommand's module is loaded on demand: `kpn trace import` does not pay for the index
 * modules, nor `kpn explain` for the trace parsers.
 */
const commands: Record<string, () => Promise<Command>> = {
  index: async () => (require('./indexCommands') as typeof import('./indexCommands')).indexCommand,
  explain: async () => (require('./indexCommands') as typeof import('./indexCommands')).explainCommand,
  ops: async () => (require('./indexCommands') as typeof import('./indexCommands')).opsCommand,
  trace: async () => (require('./traceCommand') as typeof import('./traceCommand')).traceCommand,
  attach: async () => (require('./attachCommand') as typeof import('./attachCommand')).attachCommand,
  check: async () => (require('./checkCommand') as typeof import('./checkCommand')).checkCommand,
  history: async () => (require('./historyCommand') as typeof import('./historyCommand')).historyCommand,
};

export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [name, ...args] = argv;
  try {
    if (!name || name === '--help' || name === '-h' || name === 'help') { out.write(USAGE + '\n'); return name ? 0 : 2; }
    // Own properties only: `kpn constructor` must not find Object.prototype.constructor.
    const cmd = Object.hasOwn(commands, name) ? await commands[name]() : undefined;
    if (!cmd) throw new UsageError(`unknown command '${name}'`);
    return await cmd(args, out, err);
  } catch (e) {
    if (e instanceof UsageError) { err.write(`kpn: ${e.message}\n${USAGE}\n`); return 2; }
    err.write(`kpn: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  // `kpn trace import big.dat | head`: a reader that goes away ends the output, not with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
