#!/usr/bin/env python3
"""sass_loop.py - SASS instructions per sample of a kernel's counting loop.

    python3 bench/sass_loop.py FILE.sass KERNEL REFERENCE

FILE.sass is `nvdisasm -c` output. KERNEL's counting loop is the loop (a label and a backward
branch to it) holding the most Philox multiplies: instructions that give the high half of a
product by 0xD2511F53 or 0xCD9E8D57 (IMAD.WIDE, IMAD.HI and their uniform forms). REFERENCE is
a kernel of the same file that runs exactly one Philox4x32-10: its count P is what one block
costs as that compiler writes it (20: ten rounds of two multiplies). In a loop at most two of a
block's multiplies can be folded or hoisted (round 1 multiplies a zero counter word, round 2 one
the loop may not change), so the loop holds B blocks when (P - 2) B <= multiplies <= P B; the
script stops (exit 1) unless exactly one B fits. Samples per iteration = 2 B.
Prints the loop's instructions and its common path: the loop less the code a forward branch
inside it can skip when that code holds no Philox multiply (cuRAND's counter carry, taken once
in 2^32 draws); both per sample. Exit 1 when the kernel or its loop is not found.
"""
import re
import sys

MULTIPLIERS = ("0xd2511f53", "-0x2daee0ad", "0xcd9e8d57", "-0x326172a9")


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


def multiply(insn):
    """1 when insn gives the high half of a product by a Philox multiplier."""
    return int(bool(re.match(r"(@!?U?P\w+\s+)?U?IMAD\.(WIDE|HI)\b", insn)) and
               any(c in insn for c in MULTIPLIERS))


def loops(body):
    """(start, end) index pairs of every label ... backward-branch pair."""
    where = {v: i for i, (k, v) in enumerate(body) if k == "label"}
    for i, (kind, insn) in enumerate(body):
        t = re.search(r"\bBRA\b.*?(\.L_x_\d+)", insn) if kind == "insn" else None
        if t and t.group(1) in where and where[t.group(1)] < i:
            yield where[t.group(1)], i


def skippable(body, a, b):
    """Instructions of body[a..b] that a forward branch inside it jumps over, where the code
    jumped over holds no Philox multiply."""
    where = {v: i for i, (k, v) in enumerate(body) if k == "label"}
    skip = set()
    for i in range(a, b):
        kind, insn = body[i]
        t = re.search(r"\bBRA\b.*?(\.L_x_\d+)", insn) if kind == "insn" else None
        if t and t.group(1) in where and i < where[t.group(1)] <= b:
            over = [k for k in range(i + 1, where[t.group(1)]) if body[k][0] == "insn"]
            if not any(multiply(body[k][1]) for k in over):
                skip.update(over)
    return len(skip)


def counting_loop(body):
    """(start, end, multiplies, instructions) of the loop of body with the most Philox
    multiplies, or None when no loop has one."""
    best = None
    for a, b in loops(body):
        insns = [v for k, v in body[a:b + 1] if k == "insn"]
        mults = sum(multiply(v) for v in insns)
        if mults and (best is None or mults > best[2]):
            best = (a, b, mults, len(insns))
    return best


def block_counts(mults, per_call):
    """Every number of blocks B an iteration can hold: (P - 2) B <= multiplies <= P B."""
    return [k for k in range(1, mults + 1) if (per_call - 2) * k <= mults <= per_call * k]


def fail(message):
    """Says message on stderr; returns exit status 1."""
    print(f"sass_loop.py: {message}", file=sys.stderr)
    return 1


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    funcs = functions(open(argv[1]).read())
    kernel, ref = argv[2], argv[3]
    if kernel not in funcs or ref not in funcs:
        return fail(f"{kernel} or {ref} not in {argv[1]}")
    body = funcs[kernel]
    per_call = sum(multiply(v) for k, v in funcs[ref] if k == "insn")
    best = counting_loop(body)
    if not best or per_call < 3:
        return fail(f"no counting loop in {kernel} (or no Philox in {ref})")
    a, b, mults, n = best
    fits = block_counts(mults, per_call)
    if len(fits) != 1:
        return fail(f"{kernel}: {mults} multiplies in the loop, {per_call} per block: "
                    f"cannot tell how many blocks an iteration holds ({fits})")
    samples = 2 * fits[0]
    common = n - skippable(body, a, b)
    print(f"{kernel}: {n / samples:.2f} per sample, {common / samples:.2f} on the common path "
          f"(loop {n} instructions, common path {common}, {samples} samples an iteration: "
          f"{mults} Philox multiplies, {per_call} per block in {ref})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
