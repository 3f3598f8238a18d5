"""findings.py - what the results say, in words, each finding from the data with its figure and
its cell named (scripts/report.py puts them at the top of the page and into summary.md).

A finding is (text, figure, cells). Every statistic is comparison.csv's (through plot.py's
cells); a finding that rests on a cell that is noisy, measured under load or implausible
(comparison.csv's noisy, reps_interfered and implausible columns, when the file has them) says
so in its text, and the last finding lists all such cells.
"""
import math

import plot


def cell_name(c):
    dev = "" if c.device in ("", "cpu") else " [%s]" % c.device[:40]
    return "%s%s w=%d N=%s" % (c.backend, dev, c.workers, plot.pow2(c.samples))


def doubts(c):
    """Why a cell's figure is not to be trusted blindly: [] when nothing is known against it."""
    out = []
    if c.flag("noisy"):
        out.append("noisy: cv %.2f" % c.get("cv_wall"))
    if c.get("reps_interfered") > 0:
        out.append("%d of %d repetitions under load" % (c.get("reps_interfered"), c.reps))
    if c.flag("implausible"):
        out.append("implausible")
    return out


def finding(text, figure, cells):
    """(text, figure, cells), the text ending in the doubts of the cells it rests on."""
    notes = [cell_name(c) + ": " + ", ".join(doubts(c)) for c in cells if doubts(c)]
    if notes:
        text = text.rstrip(".") + " (caution, %s)." % "; ".join(notes)
    return (text, figure, cells)


def secs(s):
    """A duration in words: us, ms or s."""
    return "%.3g us" % (s * 1e6) if s < 1e-3 else ("%.3g ms" % (s * 1e3) if s < 1 else
                                                   "%.3g s" % s)


def rate(c):
    return c.samples / c.stat("wall")


def largest(f, keep=lambda c: True):
    """The largest N among f's cells that keep accepts, and those cells at it."""
    cells = [c for c in f.cells.values() if keep(c)]
    if not cells:
        return None, []
    n = max(c.samples for c in cells)
    return n, [c for c in cells if c.samples == n]


def fastest(f):
    n, cells = largest(f)
    if not cells:
        return []
    best = max(cells, key=rate)
    return [finding("Fastest at the largest N = %s: %s at %.3g samples/s." % (
        plot.pow2(n), cell_name(best), rate(best)), "throughput", [best])]


def scaling(f):
    """Speed-up and efficiency of each host-parallel backend at its most workers."""
    out = []
    for b in plot.BK.host_parallel():
        n, cells = largest(f, lambda c, b=b: c.backend == b)
        if not cells:
            continue
        c = max(cells, key=lambda c: c.workers)
        sp, eff = c.get("speedup_vs_serial"), c.get("parallel_efficiency")
        if sp == sp:
            out.append(finding("%s on %d workers: speed-up %.2fx over serial, efficiency %.2f "
                               "(%s)." % (b, c.workers, sp, eff, cell_name(c)), "speedup", [c]))
    return out


def break_even(f, b):
    """(the smallest N from which b at its most workers beats serial at every larger N, the
    cell there, the cell of the smallest N) or None."""
    base = f.baseline(b)
    cells = [c for c in f.cells.values() if c.backend == b and c.samples in base]
    if not cells:
        return None
    w = max(c.workers for c in cells)
    cells = sorted((c for c in cells if c.workers == w), key=lambda c: c.samples)
    first = None
    for c in cells:
        first = (first or c) if c.stat("wall") < base[c.samples] else None
    return first, cells[-1], cells[0]


def start_methods(f):
    """Break-even N against serial and start-up per worker of each backend that starts
    workers (threads and processes)."""
    out = []
    for b in plot.BK.host_parallel():
        r = break_even(f, b)
        if not r:
            continue
        first, last, small = r
        per = small.stat("setup") / small.workers
        where = ("faster than serial from N = %s on" % plot.pow2(first.samples) if first else
                 "not faster than serial up to N = %s on" % plot.pow2(last.samples))
        cost = "; start-up %s per worker (%s)" % (secs(per), cell_name(small)) \
            if per == per else ""
        out.append(finding("%s is %s %d workers%s." % (b, where, last.workers, cost),
                           "startup", [first or last, small]))
    return out


def speedup_over(f, b, n):
    """The cell of backend b at N = n with the most workers, and its speed-up over its own
    serial."""
    base = f.baseline(b).get(n)
    cells = [c for c in f.cells.values() if c.backend == b and c.samples == n]
    if not cells or not base:
        return None, math.nan
    c = max(cells, key=lambda c: c.workers)
    return c, base / c.stat("wall")


def lesson(f):
    """Python threads vs processes vs numba (the GIL), and how much of it NumPy lifts."""
    n, cells = largest(f, lambda c: c.backend.startswith("py-"))
    if not cells:
        return []
    got = {}
    for b in sorted({c.backend for c in cells}):
        c, sp = speedup_over(f, b, n)
        if c and sp == sp and b not in ("py-serial", "py-numba", "py-numpy"):
            got[b] = (c, sp)
    out = []
    thr = got.get("py-threading")
    procs = [v for b, v in got.items() if b.startswith(("py-process", "py-pool"))]
    if thr:
        text = ("The GIL: Python threads reach %.2fx over py-serial on %d threads at N = %s, "
                "since only one thread runs Python at a time" % (thr[1], thr[0].workers,
                                                                  plot.pow2(n)))
        if procs:
            best = max(procs, key=lambda v: v[1])
            text += "; processes, each with its own interpreter, reach %.2fx (%s)" % (
                best[1], cell_name(best[0]))
        out.append(finding(text + ".", "lesson", [thr[0]] + ([best[0]] if procs else [])))
    nb = got.get("py-numba-nogil")
    if nb:
        out.append(finding("numba without the GIL on %d threads: %.2fx over py-numba (%s)." % (
            nb[0].workers, nb[1], cell_name(nb[0])), "lesson", [nb[0]]))
    out += numpy_finding(got, n)
    return out


def numpy_finding(got, n):
    npt = got.get("py-numpy-threading")
    if not npt:
        return []
    c, sp = npt
    return [finding("NumPy lifts the GIL in part: py-numpy-threading reaches %.2fx over "
                    "py-numpy on %d threads at N = %s, %.0f%% of the %dx that %d free threads "
                    "could give (py-threading: %s)." % (
                        sp, c.workers, plot.pow2(n), 100 * sp / c.workers, c.workers,
                        c.workers, "%.2fx" % got["py-threading"][1] if "py-threading" in got
                        else "not run"), "lesson", [c])]


def device(f):
    """Each OpenCL device against the fastest host backend at the device's largest N."""
    out = []
    for (b, d), cells in sorted({(c.backend, c.device): 1 for c in f.cells.values()
                                 if plot.BK.is_device(c.backend)}.items()):
        n, mine = largest(f, lambda c, b=b, d=d: c.backend == b and c.device == d)
        host = [c for c in f.cells.values() if c.samples == n and plot.BK.family.get(
            c.backend) in ("threads", "openmp", "procs")]
        if not host:
            continue
        h, m = max(host, key=rate), mine[0]
        out.append(finding("The device %s at N = %s: %.3g samples/s, %.2fx the fastest host "
                           "backend (%s, %.3g samples/s)." % (
                               d[:48], plot.pow2(n), rate(m), rate(m) / rate(h), cell_name(h),
                               rate(h)), "throughput", [m, h]))
    return out


def coexec(f):
    out = []
    for d in sorted({c.device for c in f.cells.values()
                     if plot.BK.family.get(c.backend) == "coexec"}):
        n, cells = largest(f, lambda c, d=d: plot.BK.family.get(c.backend) == "coexec" and
                           c.device == d)
        c = cells[0]
        eff = c.get("coexec_efficiency")
        if eff == eff:
            out.append(finding("Co-execution %s at N = %s: efficiency %.2f (its rate over the sum "
                               "of its parts' solo rates; 1 = nothing lost)." % (
                                   d, plot.pow2(n), eff), "coexec", [c]))
    return out


def caution(folders):
    """The cells that are noisy, under load or implausible, named."""
    bad = [(f, c) for f in folders for c in f.cells.values() if doubts(c)]
    if not bad:
        return [("No cell is flagged noisy, measured under load or implausible.", "", [])]
    names = ", ".join("%s (%s)" % (cell_name(c), ", ".join(doubts(c))) for _, c in bad[:12])
    more = " and %d more" % (len(bad) - 12) if len(bad) > 12 else ""
    total = sum(len(f.cells) for f in folders)
    return [("%d of %d cells are noisy, measured under load or implausible; the findings above "
             "that rest on them say so: %s%s." % (len(bad), total, names, more), "", [])]


def all_findings(folders):
    """[(text, figure, cells)] of every folder (prefixed A:, B:, ... when several)."""
    out = []
    for f in folders:
        mine = []
        for fn in (fastest, scaling, start_methods, lesson, device, coexec):
            mine += fn(f)
        if len(folders) > 1:
            mine = [("%s: %s" % (chr(65 + f.index), t), fig, cs) for t, fig, cs in mine]
        out += mine
    return out + caution(folders)


def markdown(folders, found):
    lines = ["# hetmc findings", ""]
    for f in folders:
        lines.append("- %s: `%s`, %s" % (chr(65 + f.index), f.path, f.label))
    lines.append("")
    for text, fig, _ in found:
        lines.append("- %s%s" % (text, " (figure: %s)" % fig if fig else ""))
    return "\n".join(lines) + "\n"
