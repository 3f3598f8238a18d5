#!/usr/bin/env python3
"""gpu_resources.py - registers, spills and occupancy of the kernel's forms on GPUs, from the
portability test's compiles, checked against the bounds every form the tuner may pick must fit.

    python3 tests/gpu_resources.py amdgcn TARGET FILE.s MAX_VGPRS MIN_OCCUPANCY
    python3 tests/gpu_resources.py ptxas TARGET PTXAS_V_LOG MAX_REGISTERS

amdgcn: FILE.s is llc's assembly for an AMD GPU. For each kernel: VGPRs (architectural plus
AGPRs), SGPRs, spills, scratch and waves per SIMD (occupancy); for the counting kernels
(hm_mcpi_*) also the instructions per sample of the counting loop: the loop (a label and a
backward branch to it) holding the most Philox multiplies, i.e. instructions giving the high
half of a product of two different operands (v_mul_hi_u32, s_mul_hi_u32, v_mad_u64_u32; the hit
test's squares multiply an operand by itself). A block is P = 20 of them (ten rounds of two);
the loop holds B blocks when (P - 2) B <= multiplies <= P B (round 1 multiplies a zero word,
round 2 one the loop may not change). ptxas: the output of ptxas -v.
Exit 1 when a counting kernel spills, needs more registers than the bound, or runs at a lower
occupancy; the figures are printed either way.
"""
import re
import sys

HI = re.compile(r"^\s+(v_mul_hi_u32|s_mul_hi_u32|v_mad_u64_u32)\s+(.*)$")
INSN = re.compile(r"^\s+[a-z_][a-z0-9_.]*(\s|$)")


def functions(text):
    """{name: [lines]} of each function of an amdgcn assembly file, with the comments that
    follow it up to the next function."""
    funcs, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z_]\w*):\s*(;.*)?$", line)
        if m:
            cur = funcs.setdefault(m.group(1), [])
            continue
        if cur is not None:
            cur.append(line)
    return funcs


def philox_muls(lines):
    n = 0
    for line in lines:
        m = HI.match(line)
        if not m:
            continue
        ops = [o.strip() for o in m.group(2).split(",")]
        srcs = ops[2:4] if m.group(1) == "v_mad_u64_u32" else ops[1:3]
        if len(srcs) == 2 and srcs[0] != srcs[1]:
            n += 1
    return n


def loop(lines):
    """(instructions, multiplies) of the loop with the most Philox multiplies, or None."""
    labels, best = {}, None
    for i, line in enumerate(lines):
        m = re.match(r"^(\.LBB\w+):", line)
        if m:
            labels[m.group(1)] = i
            continue
        m = re.match(r"^\s+s_(cbranch_\w+|branch)\s+(\.LBB\w+)", line)
        if m and m.group(2) in labels:
            body = lines[labels[m.group(2)]:i + 1]
            muls = philox_muls(body)
            insns = sum(1 for b in body if INSN.match(b))
            if best is None or muls > best[1] or (muls == best[1] and insns < best[0]):
                best = (insns, muls)
    return best


def info(lines):
    """{key: value} of the '; Key: value' comments llc writes after a function."""
    out = {}
    for line in lines:
        m = re.match(r"^; (NumVgprs|TotalNumVgprs|NumSgprs|ScratchSize|Occupancy): (\d+)", line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def spills(text):
    """{kernel: (sgpr spills, vgpr spills)} from the code object metadata."""
    out, name = {}, None
    for line in text.splitlines():
        m = re.match(r"^\s+\.name:\s+(\S+)", line)
        if m:
            name = m.group(1)
            out[name] = [0, 0]
        m = re.match(r"^\s+\.(sgpr|vgpr)_spill_count:\s+(\d+)", line)
        if m and name:
            out[name][0 if m.group(1) == "sgpr" else 1] = int(m.group(2))
    return out


def per_sample(lines, p):
    got = loop(lines)
    if not got or not p or not got[1]:
        return "loop not found"
    fits = [b for b in range(1, 65) if (p - 2) * b <= got[1] <= p * b]
    if len(fits) != 1:
        return "loop of %d instructions, %d multiplies: blocks unclear" % got
    return "%.2f instructions per sample (loop %d, %d samples an iteration)" % (
        got[0] / (2 * fits[0]), got[0], 2 * fits[0])


def amdgcn(target, path, max_vgprs, min_occ):
    text = open(path).read()
    funcs, sp, bad = functions(text), spills(text), 0
    p = 20
    for name in sorted(funcs):
        i = info(funcs[name])
        if "Occupancy" not in i:
            continue
        v = i.get("TotalNumVgprs", i.get("NumVgprs", 0))
        s = sp.get(name, [0, 0])
        line = "%-8s %-14s %3d VGPRs %3d SGPRs, spills %d SGPR %d VGPR, scratch %d, occupancy %d" % (
            target, name, v, i.get("NumSgprs", 0), s[0], s[1], i.get("ScratchSize", 0),
            i["Occupancy"])
        if name.startswith("hm_mcpi_"):
            line += "; " + per_sample(funcs[name], p)
            if v > max_vgprs or s[0] or s[1] or i.get("ScratchSize", 0) or i["Occupancy"] < min_occ:
                line += "  FAIL: bound %d VGPRs, occupancy >= %d, no spills" % (max_vgprs, min_occ)
                bad = 1
        print(line)
    return bad


def ptxas(target, path, max_regs):
    bad, name = 0, None
    for line in open(path):
        m = re.search(r"Compiling entry function '(\w+)'", line)
        if m:
            name = m.group(1)
            continue
        m = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m and name:
            spill = int(m.group(1)) + int(m.group(2))
        m = re.search(r"Used (\d+) registers", line)
        if m and name:
            regs = int(m.group(1))
            msg = "%-8s %-14s %3d registers, spills %d bytes" % (target, name, regs, spill)
            if name.startswith("hm_mcpi_") and (regs > max_regs or spill):
                msg += "  FAIL: bound %d registers, no spills" % max_regs
                bad = 1
            print(msg)
            name = None
    return bad


def main(argv):
    if len(argv) == 6 and argv[1] == "amdgcn":
        return amdgcn(argv[2], argv[3], int(argv[4]), int(argv[5]))
    if len(argv) == 5 and argv[1] == "ptxas":
        return ptxas(argv[2], argv[3], int(argv[4]))
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
