#!/usr/bin/env bash
# Installs the real coding-agent CLIs that tests/agents drive through the gateway, pinned, into
# .agents/ (git-ignored). npm here runs no install scripts, so the postinstall steps that only
# copy a platform package's binary into place are run by hand. Idempotent: a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.agents
mkdir -p "$dest"
pins=(
  "@openai/codex@0.171.0"
  "@anthropic-ai/claude-code@2.1.332"
  "opencode-ai@1.18.33"
  "droid@0.215.0"
  "@factory/cli-linux-x64@0.215.0"
)
stamp="$dest/.pins"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${pins[*]}" ]; then
  exit 0
fi
[ -f "$dest/package.json" ] || echo '{"private": true}' >"$dest/package.json"
npm install --prefix "$dest" --no-audit --no-fund --loglevel=error "${pins[@]}"
for pkg in @anthropic-ai/claude-code opencode-ai droid; do
  dir="$dest/node_modules/$pkg"
  script=$(node -e "const p=require('./$dir/package.json'); process.stdout.write((p.scripts||{}).postinstall||'')")
  if [ -n "$script" ]; then
    (cd "$dir" && bash -c "$script") || echo "postinstall of $pkg failed" >&2
  fi
done
echo "${pins[*]}" >"$stamp"
