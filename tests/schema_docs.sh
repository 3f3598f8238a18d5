#!/usr/bin/env bash
# schema_docs.sh HETMC DOC -- checks that DOC's generated section (between the lines
# `<!-- schema:begin -->` and `<!-- schema:end -->`) is exactly `hetmc schema --format markdown`.
# Regenerate it with: bash tests/schema_docs.sh build/hetmc docs/csv.md --write
set -u
hetmc=$1 doc=$2 mode=${3:-}
begin='<!-- schema:begin -->' end='<!-- schema:end -->'
want=$("$hetmc" schema --format markdown) || { echo "FAIL: hetmc schema exited $?"; exit 1; }
grep -qxF "$begin" "$doc" && grep -qxF "$end" "$doc" ||
  { echo "FAIL: $doc has no '$begin' ... '$end' section"; exit 1; }
if [ "$mode" = --write ]; then
  tmp=$(mktemp) || exit 1
  awk -v b="$begin" -v e="$end" -v gen="$want" '
    $0 == b { print; print gen; skip = 1; next }
    $0 == e { skip = 0 }
    !skip' "$doc" >"$tmp" && cat "$tmp" >"$doc"
  rm -f "$tmp"
  echo "wrote the schema section of $doc"
  exit 0
fi
have=$(awk -v b="$begin" -v e="$end" '$0 == e { on = 0 } on; $0 == b { on = 1 }' "$doc")
if [ "$have" != "$want" ]; then
  echo "FAIL: $doc's column reference differs from 'hetmc schema --format markdown';"
  echo "regenerate it: bash tests/schema_docs.sh build/hetmc docs/csv.md --write"
  diff <(echo "$have") <(echo "$want")
  exit 1
fi
echo "ok: $doc matches hetmc schema"
