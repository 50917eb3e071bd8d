// "Trace this command" input → argv without a shell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './support.mjs';

const { splitCommandLine, CommandLineError } = load('features/trace/commandLine.js');

test('words, quotes and escapes become argv; nothing is expanded', () => {
  assert.deepEqual(splitCommandLine('ls -l /'), ['ls', '-l', '/']);
  assert.deepEqual(splitCommandLine(`  curl  -H 'X-A: b c' "a \\"q\\" $HOME" x\\ y ''`), ['curl', '-H', 'X-A: b c', 'a "q" $HOME', 'x y', '']);
  assert.deepEqual(splitCommandLine('echo $(id) `id` *'), ['echo', '$(id)', '`id`', '*']);
  assert.deepEqual(splitCommandLine("sh -c 'ls | wc -l'"), ['sh', '-c', 'ls | wc -l']);
});

test('shell syntax and bad quoting are refused with the column', () => {
  assert.throws(() => splitCommandLine('ls | wc'), (e) => e instanceof CommandLineError && /`\|` at column 4/.test(e.message));
  assert.throws(() => splitCommandLine('cat > x'), /`>` at column 5/);
  assert.throws(() => splitCommandLine("echo 'abc"), /unterminated ' quote at column 6/);
  assert.throws(() => splitCommandLine('echo "abc'), /unterminated " quote at column 6/);
  assert.throws(() => splitCommandLine('   '), /no command given/);
});
