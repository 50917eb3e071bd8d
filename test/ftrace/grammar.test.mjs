// The TextMate grammar: valid JSON, scopeName source.ftrace, and every regex compiles and
// matches the fixture line shapes it is meant for (checked with JS RegExp; Oniguruma
// accepts these constructs as well).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repo } from './fixtures.mjs';

const g = JSON.parse(fs.readFileSync(path.join(repo, 'syntaxes', 'ftrace.tmLanguage.json'), 'utf8'));

function regexes(node, out = []) {
  if (Array.isArray(node)) { for (const n of node) regexes(n, out); return out; }
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'match' || k === 'begin' || k === 'end') && typeof v === 'string') out.push(v);
      else regexes(v, out);
    }
  }
  return out;
}

test('grammar compiles and recognises the line shapes', () => {
  assert.equal(g.scopeName, 'source.ftrace');
  // \G is Oniguruma-only (anchor at the previous match end); JS treats it as a literal G, so strip it.
  for (const r of regexes(g)) assert.doesNotThrow(() => new RegExp(r.replace(/\\G/g, '')), r);
  const re = (p) => new RegExp(p.replace(/\\G/g, ''));
  const r = g.repository;
  assert.ok(re(r.graphLine.begin).test('7238523.638008 |   0)               |              finish_task_switch() {'));
  assert.ok(re(r.taskLine.begin).test('           sleep-89142 [001] ...1. 162573.215752: function:             mutex_unlock'));
  assert.ok(re(r.duration.match).test('! 8147.120 us'));
  assert.equal(re(r.duration.match).exec('!8147.120 us')[1], '!');
  assert.ok(re(r.stackFrame.match).test(' => show_interrupts+0x2dc/0x3e0'));
  assert.ok(re(r.banner.patterns[1].match).test(' 0)  platfor-3210  =>  vmstat-2854  '));
  assert.ok(re(r.profile.patterns[1].match).test('  Event: func: SyS_open() (3) Total: 23615 Avg: 7871 Max: 10535 Min:4743'));
});
