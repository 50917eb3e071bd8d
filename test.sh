#!/usr/bin/env bash
# Runs every test. On a fresh Debian machine as root it first installs what the tests need:
# Debian packages (compilers, libbpf, bpftool, trace-cmd, kernel sources, ctags, Chromium),
# Node.js when absent or older than 20, the npm dependencies, the build and the bpf-helper,
# and a real VS Code (code-server) for the end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
export PATH="$PWD/.cache/node/bin:$PATH"
# Only *.test.mjs files: given a folder, node --test would also run every helper module under test/.
# One test file at a time: several index a kernel tree with a worker per core.
if [ $# -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.mjs' | sort); fi
exec node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
