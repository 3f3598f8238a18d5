#!/usr/bin/env bash
# insn_per_sample.sh - instructions per sample of each host kernel variant, a figure that needs
# no ARM machine (emulated time means nothing):
#
#   bash bench/insn_per_sample.sh [AARCH64_BUILD] [X86_BUILD]    (defaults build-aarch64, build)
#
# dynamic  aarch64 under qemu-aarch64 with a plugin that counts executed instructions
#          (bench/insn_count_plugin.c, built here for the build machine): `hetmc run --backend
#          serial` at 2^20 and 2^21 samples, the difference over 2^20, so start-up cancels out.
#          SVE at vector lengths 128, 256 and 512 bits (-cpu max,sve<N>=on).
# static   the counting loop's instructions in the object code (objdump), over the samples one
#          iteration counts: for the hand-vectorised loops, which are one loop, fully unrolled;
#          x86 as well (qemu cannot run AVX-512). A loop with loops inside is reported as such.
set -euo pipefail
cd "$(dirname "$0")/.."
arm=${1:-build-aarch64}
x86=${2:-build}
sysroot=/usr/aarch64-linux-gnu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The largest loop of FUNC in OBJ: instructions, and the loops inside it.
static_loop() {
  "$1" -d --no-show-raw-insn "$2" | python3 -c '
import re, sys
func, per = sys.argv[1], float(sys.argv[2])
lines, on = [], False
for l in sys.stdin:
    if re.match(r"^[0-9a-f]+ <%s>:" % re.escape(func), l): on = True; continue
    if on and not l.strip(): break
    m = re.match(r"\s*([0-9a-f]+):\s+(\S+)\s*(.*)", l) if on else None
    if m: lines.append((int(m.group(1), 16), m.group(2), m.group(3)))
back = []
for a, op, args in lines:
    t = re.search(r"\b([0-9a-f]+) <%s\+" % re.escape(func), args)
    if t and (op.startswith("b") or op.startswith("j") or op.startswith("c") or op.startswith("t")) and int(t.group(1), 16) < a:
        back.append((int(t.group(1), 16), a))
if not back: print("no loop"); sys.exit()
lo, hi = max(back, key=lambda b: b[1] - b[0])
n = sum(1 for a, _, _ in lines if lo <= a <= hi)
inner = sum(1 for b in back if (b != (lo, hi)) and lo <= b[0] and b[1] <= hi)
print("%6.2f  (%d instructions / %g samples%s)" % (n / per, n, per, ", %d loops inside: not per sample" % inner if inner else ""))
' "$3" "$4"
}

if [ -x "$arm/hetmc" ] && command -v qemu-aarch64 >/dev/null; then
  cc -O2 -shared -fPIC -o "$work/insn.so" bench/insn_count_plugin.c
  count() { # KERNEL CPU SAMPLES
    HETMC_KERNEL=$1 qemu-aarch64 -L "$sysroot" -cpu "$2" -plugin "$work/insn.so" -d plugin \
      "$arm/hetmc" run --backend serial --samples "$3" --reps 1 --warmup 0 --format csv 2>&1 |
      awk '/^insns / { print $2 }'
  }
  echo "== aarch64, executed instructions per sample (qemu-aarch64 + bench/insn_count_plugin.c) =="
  base=
  for v in portable:max neon:max sve:max,sve128=on sve2:max,sve128=on sve2:max,sve256=on \
           sve2:max,sve512=on; do
    k=${v%%:*} cpu=${v#*:}
    a=$(count "$k" "$cpu" 1048576) b=$(count "$k" "$cpu" 2097152)
    per=$(python3 -c "print('%.2f' % (($b - $a) / 1048576))")
    [ -n "$base" ] || base=$per
    printf '%-9s %-18s %6s per sample  %.2fx portable\n' "$k" "$cpu" "$per" \
      "$(python3 -c "print($per / $base)")"
  done
  obj=$(find "$arm" -name kernel_arm.c.o | head -1)
  if [ -n "$obj" ]; then
    echo "== aarch64, static: the counting loop of the object code (SVE at 128 bits) =="
    printf 'neon      '; static_loop aarch64-linux-gnu-objdump "$obj" hm_blocks_neon 32
    printf 'sve       '; static_loop aarch64-linux-gnu-objdump "$obj" hm_blocks_sve 16
    printf 'sve2      '; static_loop aarch64-linux-gnu-objdump "$obj" hm_blocks_sve2 16
  fi
else
  echo "aarch64: no $arm/hetmc or no qemu-aarch64: skipped (scripts/test.sh builds $arm)"
fi

obj=$(find "$x86" -name kernel_x86.c.o 2>/dev/null | head -1)
if [ -n "$obj" ]; then
  echo "== x86-64, static: the counting loop of the object code =="
  printf 'avx2      '; static_loop objdump "$obj" hm_blocks_avx2 32
  printf 'avx512    '; static_loop objdump "$obj" hm_blocks_avx512 64
  pobj=$(find "$x86" -name kernel.c.o | head -1)
  printf 'portable  '; static_loop objdump "$pobj" hm_count_blocks 64
else
  echo "x86-64: no $x86 build: skipped"
fi
