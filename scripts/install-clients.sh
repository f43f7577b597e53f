#!/usr/bin/env bash
# Installs the client libraries that tests/clients drives through the gateway, pinned: the
# Vercel AI SDK and its providers into .clients/ (git-ignored), and the Python clients that
# hfgate does not depend on itself (LiteLLM, LangChain's OpenAI and Anthropic chat models) into
# .venv. The openai and anthropic SDKs and huggingface_hub are in .venv already. Idempotent: a
# second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.clients
node_pins=(
  "ai@7.0.185"
  "@ai-sdk/openai@4.0.126"
  "@ai-sdk/anthropic@4.0.112"
  "@ai-sdk/openai-compatible@3.0.97"
  "@ai-sdk/huggingface@2.0.48"
  "zod@4.6.7"
)
python_pins=(
  "litellm==1.110.2"
  "langchain-openai==1.8.1"
  "langchain-anthropic==1.7.10"
)
stamp="$dest/.pins"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${node_pins[*]} ${python_pins[*]}" ]; then
  exit 0
fi
mkdir -p "$dest"
[ -f "$dest/package.json" ] || echo '{"private": true, "type": "module"}' >"$dest/package.json"
npm install --prefix "$dest" --no-audit --no-fund --loglevel=error "${node_pins[@]}"
.venv/bin/pip install -q "${python_pins[@]}"
echo "${node_pins[*]} ${python_pins[*]}" >"$stamp"
