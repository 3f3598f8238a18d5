#!/usr/bin/env bash
# install.sh CMAKE BUILD SOURCE CC PYTHON -- hetmc as a user installs it (label `install`):
#  - `cmake --install BUILD --prefix P` into a temporary prefix;
#  - a C program (tests/install/consumer.c) built against the installed library alone, with
#    find_package(hetmc) and with pkg-config --static, counts the golden hits of seed 0;
#  - the installed hetmc, started outside the source and build trees, runs a small matrix whose
#    results.json validates against the installed schema, and its matrix names the installed
#    report script; hetmc(1) is valid roff (groff -ww) and man -l shows it.
set -u
cmake=$1 build=$2 src=$3 cc=$4 py=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
p=$tmp/prefix
cd "$tmp" || exit 1

"$cmake" --install "$build" --prefix "$p" >install.log 2>&1 || fail "install: $(cat install.log)"
for f in bin/hetmc bin/hetmc-kernel-bench lib/libhetmc_core.a include/hetmc/runner.h \
         lib/cmake/hetmc/hetmc-config.cmake lib/cmake/hetmc/hetmc-config-version.cmake \
         lib/pkgconfig/hetmc.pc share/man/man1/hetmc.1 share/hetmc/scripts/report.py \
         share/hetmc/scripts/plot.py share/hetmc/bench/lesson.py \
         share/hetmc/docs/results.schema.json share/hetmc/build/hetmc; do
  [ -e "$p/$f" ] || fail "not installed: $f"
done

# find_package(hetmc), from a copy of the consumer project: nothing of the source tree.
cp -r "$src/tests/install" consumer
"$cmake" -S consumer -B cbuild -DCMAKE_PREFIX_PATH="$p" -DCMAKE_C_COMPILER="$cc" \
  >cmake.log 2>&1 || fail "find_package(hetmc): $(cat cmake.log)"
"$cmake" --build cbuild >>cmake.log 2>&1 || fail "building against hetmc::hetmc_core: $(cat cmake.log)"
./cbuild/consumer || fail "consumer (find_package)"

# pkg-config: the static library's dependencies are in Libs.private.
export PKG_CONFIG_PATH=$p/lib/pkgconfig
flags=$(pkg-config --cflags hetmc) && libs=$(pkg-config --static --libs hetmc) ||
  fail "pkg-config hetmc"
# shellcheck disable=SC2086
"$cc" -std=c11 $flags consumer/consumer.c -o pc_consumer $libs 2>pc.log ||
  fail "building with pkg-config: $(cat pc.log)"
./pc_consumer || fail "consumer (pkg-config)"

# The installed hetmc, from a folder outside both trees.
mkdir run && cd run || exit 1
"$p/bin/hetmc" --version >/dev/null || fail "hetmc --version"
"$p/bin/hetmc" matrix --backends serial,threads --samples 2^16 --reps 2 --out DIR \
  >out.txt 2>err.txt || fail "installed matrix: $(cat err.txt)"
cat out.txt
for f in runs.csv comparison.csv provenance.txt results.json; do
  [ -s "DIR/$f" ] || fail "installed matrix wrote no $f"
done
grep -q "python3 $p/share/hetmc/scripts/report.py DIR" err.txt ||
  fail "the matrix does not name the installed report script: $(cat err.txt)"
"$py" - "$p/share/hetmc/docs/results.schema.json" DIR/results.json <<'PY' || fail "results.json"
import json, sys
import jsonschema
schema, doc = (json.load(open(f)) for f in sys.argv[1:])
jsonschema.Draft202012Validator(schema).validate(doc)
print("install: results.json of the installed hetmc validates (%d runs)" % len(doc["runs"]))
PY
cd .. || exit 1

# hetmc(1): valid roff, shown by man, with every command's help.
if command -v groff >/dev/null; then
  warn=$(groff -man -Tutf8 -ww -z "$p/share/man/man1/hetmc.1" 2>&1)
  [ -z "$warn" ] || fail "groff warns about hetmc.1: $warn"
fi
if command -v man >/dev/null; then
  page=$(MANWIDTH=100 man -l "$p/share/man/man1/hetmc.1" 2>&1) || fail "man -l: $page"
  for c in run matrix compare devices verify schema; do
    printf '%s\n' "$page" | grep -q "hetmc $c" || fail "hetmc.1 has no section for $c"
  done
fi
echo "install: prefix, find_package, pkg-config, installed matrix and man page: ok"
