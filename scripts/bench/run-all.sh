#!/usr/bin/env bash
# Runs every benchmark in scripts/bench (pnpm bench). Each one compares
# ocikit with the reference tool on the same data and prints ratios.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
status=0
for bench in *.mjs *.sh; do
  [ -e "$bench" ] || continue
  [ "$bench" = run-all.sh ] && continue
  printf '\n### %s\n' "$bench"
  case "$bench" in
    *.mjs) node "$bench" || status=1 ;;
    *.sh) bash "$bench" || status=1 ;;
  esac
done
exit "$status"
