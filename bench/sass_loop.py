#!/usr/bin/env python3
"""sass_loop.py - SASS instructions per sample of a kernel's counting loop.

    python3 bench/sass_loop.py FILE.sass KERNEL REFERENCE

FILE.sass is `nvdisasm -c` output. KERNEL's counting loop is the innermost loop (a label and a
backward branch to it) holding the most Philox multiplies, found by the first multiplier
0xD2511F53 (nvdisasm writes it -0x2daee0ad); REFERENCE is a kernel of the same file that runs
exactly one Philox4x32-10, so the multiplies per block are counted as that compiler wrote them.
Blocks per iteration = multiplier uses in the loop / uses in the reference (rounded), samples
per iteration = 2 x blocks. Prints the loop's instructions, the instructions on its shortest
path (less what a forward branch inside the loop can skip, e.g. a counter carry taken once in
2^32 draws), and both per sample. Exit 1 when the kernel or its loop is not found.
"""
import re
import sys

M0 = ("0xd2511f53", "-0x2daee0ad")


def functions(text):
    """{name: [(kind, value)]} with kind "label" or "insn", in order."""
    funcs, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z_$][\w$]*):\s*$", line)
        if m:
            cur = funcs.setdefault(m.group(1), [])
            continue
        if cur is None:
            continue
        m = re.match(r"^\s*(\.L_x_\d+):", line)
        if m:
            cur.append(("label", m.group(1)))
            continue
        m = re.match(r"^\s*/\*[0-9a-f]+\*/\s+(.*?)\s*;", line)
        if m:
            cur.append(("insn", m.group(1)))
    return funcs


def uses_m0(insn):
    return any(c in insn for c in M0)


def loops(body):
    """(start, end) index pairs of every label ... backward-branch pair."""
    where = {v: i for i, (k, v) in enumerate(body) if k == "label"}
    for i, (kind, insn) in enumerate(body):
        t = re.search(r"\bBRA\b.*?(\.L_x_\d+)", insn) if kind == "insn" else None
        if t and t.group(1) in where and where[t.group(1)] < i:
            yield where[t.group(1)], i


def skippable(body, a, b):
    """Instructions of body[a..b] that a forward branch inside it jumps over."""
    where = {v: i for i, (k, v) in enumerate(body) if k == "label"}
    skip = set()
    for i in range(a, b):
        kind, insn = body[i]
        t = re.search(r"\bBRA\b.*?(\.L_x_\d+)", insn) if kind == "insn" else None
        if t and t.group(1) in where and i < where[t.group(1)] <= b:
            skip.update(k for k in range(i + 1, where[t.group(1)]) if body[k][0] == "insn")
    return len(skip)


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    funcs = functions(open(argv[1]).read())
    kernel, ref = argv[2], argv[3]
    if kernel not in funcs or ref not in funcs:
        print(f"sass_loop.py: {kernel} or {ref} not in {argv[1]}", file=sys.stderr)
        return 1
    body = funcs[kernel]
    per_call = sum(uses_m0(v) for k, v in funcs[ref] if k == "insn")
    best = None
    for a, b in loops(body):
        insns = [v for k, v in body[a:b + 1] if k == "insn"]
        m0 = sum(uses_m0(v) for v in insns)
        if m0 and (best is None or m0 > best[2]):
            best = (a, b, m0, len(insns))
    if not best or not per_call:
        print(f"sass_loop.py: no counting loop in {kernel}", file=sys.stderr)
        return 1
    a, b, m0, n = best
    blocks = max(1, round(m0 / per_call))
    short = n - skippable(body, a, b)
    print(f"{kernel}: loop {n} instructions, {short} on its shortest path, {blocks} block(s) "
          f"= {2 * blocks} samples an iteration (multiplier in loop {m0}, per Philox call "
          f"{per_call} in {ref}): {n / (2 * blocks):.2f} per sample, {short / (2 * blocks):.2f} "
          f"on the shortest path")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
