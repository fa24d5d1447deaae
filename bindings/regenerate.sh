#!/usr/bin/env bash
# Regenerates bindings/generated/paradec/llama/internal from llama.h with jextract.
# The output is committed; run this only after changing the llama.cpp version or
# bindings/jextract-includes.txt. Never hand-edit the generated files.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if ! command -v jextract >/dev/null 2>&1; then
    echo "jextract not found on PATH: build it from https://github.com/openjdk/jextract and put its bin/ on PATH; the committed bindings/generated stays valid" >&2
    exit 1
fi

LLAMA_SRC="build/llama-src"
HEADER="$LLAMA_SRC/include/llama.h"
if [ ! -f "$HEADER" ]; then
    echo "llama.h not found at $ROOT/$HEADER (expected a llama.cpp checkout at build/llama-src)" >&2
    exit 1
fi

OUT_PKG_DIR="bindings/generated/paradec/llama/internal"
rm -rf "$OUT_PKG_DIR"

# No -l/--library option: the generated code resolves symbols through
# SymbolLookup.loaderLookup(), which sees libraries paradec loaded with System.load.
jextract \
    --output bindings/generated \
    --target-package paradec.llama.internal \
    --header-class-name LlamaLib \
    -I "$LLAMA_SRC/ggml/include" \
    @bindings/jextract-includes.txt \
    "$HEADER"

echo "generated $(find "$OUT_PKG_DIR" -name '*.java' | wc -l) files under $OUT_PKG_DIR"
