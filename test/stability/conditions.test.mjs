// #if evaluation against a .config, and Makefile ftrace-flag removal, on small texts checked by
// hand and on the real 6.1 tree (cross-checked with grep) when it is present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { debian61Config } from '../btf/fixtures.mjs';
import { fullTree } from '../e2e/trees.mjs';

const require = createRequire(import.meta.url);
const { parseKernelConfig, lineStates, LINE_ON, LINE_OFF, LINE_UNKNOWN } = require('../../server/out/stability/configConditions.js');
const { parseMakefile, emptyRules, builtWithoutFtrace, scanNoFtrace } = require('../../server/out/stability/ftraceFlags.js');

const TREE_61 = fullTree('6.1');

test('parseKernelConfig', () => {
  const c = parseKernelConfig('CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=m\nCONFIG_N=32\nCONFIG_S="hello"\n');
  assert.deepEqual([...c], [['CONFIG_A', 'y'], ['CONFIG_C', 'm'], ['CONFIG_N', '32'], ['CONFIG_S', 'hello']]);
});

test('lineStates: nesting, #elif/#else, IS_ENABLED, unknown symbols', () => {
  const config = parseKernelConfig('CONFIG_A=y\nCONFIG_M=m\nCONFIG_N=32\n');
  const text = [
    '#ifdef CONFIG_A',          // 0
    'a_on();',                  // 1
    '#else',                    // 2
    'a_off();',                 // 3
    '#endif',                   // 4
    '#if IS_ENABLED(CONFIG_M) && !defined(CONFIG_B)', // 5
    'm_on();',                  // 6
    '#elif defined(CONFIG_A)',  // 7
    'never();',                 // 8
    '#endif',                   // 9
    '#if FOO_BAR > 2 /* not a config symbol */', // 10
    'unknown();',               // 11
    '#elif CONFIG_N >= 16',     // 12
    'unknown_or_on();',         // 13
    '#else',                    // 14
    'off_if_known();',          // 15
    '#endif',                   // 16
    '#ifndef CONFIG_A',         // 17
    '#ifdef CONFIG_M_MODULE',   // 18
    'off_nested();',            // 19
    '#endif',                   // 20
    '#endif',                   // 21
    '#if defined(CONFIG_M) || IS_BUILTIN(CONFIG_M) \\', // 22
    '    || defined(MODULE)',   // 23
    'm_is_not_builtin();',      // 24
    '#endif',                   // 25
  ].join('\n');
  const s = lineStates(text, config);
  const at = (i) => s[i];
  assert.equal(at(1), LINE_ON);
  assert.equal(at(3), LINE_OFF);
  assert.equal(at(6), LINE_ON);
  assert.equal(at(8), LINE_OFF);
  assert.equal(at(11), LINE_UNKNOWN);
  assert.equal(at(13), LINE_UNKNOWN, 'an earlier branch might have been taken');
  assert.equal(at(15), LINE_OFF, 'CONFIG_N >= 16 is true, so #else is off whatever FOO_BAR is');
  assert.equal(at(19), LINE_OFF);
  assert.equal(at(24), LINE_OFF);
  assert.equal(lineStates(text, config, { module: true })[24], LINE_ON);
});

test('lineStates on the 6.1 tree with the Debian config', (t) => {
  const cfg = debian61Config();
  if (typeof cfg !== 'string') { console.log(`# skipped: ${cfg.skip}`); return t.skip(cfg.skip); }
  const file = path.join(TREE_61, 'net/ipv4/tcp_ipv4.c');
  if (!fs.existsSync(file)) { console.log(`# skipped: no 6.1 tree at ${TREE_61}`); return t.skip(`no 6.1 tree at ${TREE_61}`); }
  const config = parseKernelConfig(fs.readFileSync(cfg, 'utf8'));
  assert.equal(config.get('CONFIG_TCP_MD5SIG'), 'y');
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const s = lineStates(text, config);
  const lineOf = (re) => lines.findIndex((l) => re.test(l));
  // Hand-checked: tcp_v4_md5_lookup is under #ifdef CONFIG_TCP_MD5SIG (on in Debian's config).
  assert.equal(s[lineOf(/^struct tcp_md5sig_key \*tcp_v4_md5_lookup\(/)], LINE_ON);
  assert.equal(s[lineOf(/^int tcp_v4_connect\(/)], LINE_ON);
});

test('Makefile rules that drop the ftrace flags', () => {
  const rules = emptyRules();
  parseMakefile('CFLAGS_REMOVE_irq_work.o = $(CC_FLAGS_FTRACE)\nCFLAGS_REMOVE_tsc.o = -pg\nCFLAGS_REMOVE_x.o = -pgfoo\nCFLAGS_y.o = $(CC_FLAGS_FTRACE)\n', 'kernel', rules);
  parseMakefile('ccflags-remove-$(CONFIG_FUNCTION_TRACER) += $(CC_FLAGS_FTRACE)\n', 'kernel/trace', rules);
  parseMakefile('subdir-ccflags-remove-y += \\\n   $(CC_FLAGS_FTRACE)\n', 'lib/deep', rules);
  assert.ok(builtWithoutFtrace('kernel/irq_work.c', rules));
  assert.ok(builtWithoutFtrace('kernel/tsc.c', rules));
  assert.ok(!builtWithoutFtrace('kernel/x.c', rules));
  assert.ok(!builtWithoutFtrace('kernel/y.c', rules), 'adding flags is not removing them');
  assert.ok(builtWithoutFtrace('kernel/trace/trace.c', rules));
  assert.ok(!builtWithoutFtrace('kernel/trace/sub/x.c', rules), 'ccflags-remove applies to its own directory only');
  assert.ok(builtWithoutFtrace('lib/deep/a/b.c', rules));
});

test('scanNoFtrace on the 6.1 tree agrees with grep', async (t) => {
  if (!fs.existsSync(path.join(TREE_61, 'kernel/Makefile'))) { console.log(`# skipped: no 6.1 tree at ${TREE_61}`); return t.skip(`no 6.1 tree at ${TREE_61}`); }
  const rules = await scanNoFtrace(TREE_61);
  const grep = execFileSync('grep', ['-rhE', '--include=Makefile', '--include=Kbuild', '^CFLAGS_REMOVE_[^ =]+\\.o\\s*[:+]?=.*(\\$\\(CC_FLAGS_FTRACE\\)|-pg( |$))',
    '--exclude-dir=tools', '--exclude-dir=scripts', '--exclude-dir=Documentation', TREE_61], { encoding: 'utf8' });
  const grepCount = grep.split('\n').filter(Boolean).length;
  t.diagnostic(`${rules.files.size} files, ${rules.dirs.size} dirs, ${rules.trees.size} subtrees without ftrace; grep: ${grepCount} CFLAGS_REMOVE lines`);
  assert.ok(Math.abs(rules.files.size - grepCount) <= 3, `${rules.files.size} vs ${grepCount}`);
  assert.ok(builtWithoutFtrace('kernel/irq_work.c', rules));
  assert.ok(builtWithoutFtrace('kernel/trace/ring_buffer.c', rules));
  assert.ok(!builtWithoutFtrace('net/ipv4/tcp_ipv4.c', rules));
});
