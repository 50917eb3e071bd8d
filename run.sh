#!/usr/bin/env bash
# Opens a real VS Code (code-server on 127.0.0.1, URL printed) with the extension installed and a
# kernel tree opened: Debian's linux-source-6.12, extracted on first use, or the folder you pass.
set -euo pipefail
exec bash "$(dirname "$0")/scripts/open-vscode.sh" "$@"
