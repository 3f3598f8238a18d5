#!/usr/bin/python3
"""plot.py RESULTS_DIR - figures of a hetmc matrix run (Python 3 + matplotlib, nothing else).

Reads RESULTS_DIR/runs.csv and RESULTS_DIR/comparison.csv and writes, as PNG and SVG:
  throughput.*   median samples/s against samples, one line per backend/device/workers (log-log)
  speedup.*      speedup over serial and parallel efficiency against workers (largest samples)
  phases.*       median setup/compute/collect seconds per backend and workers (smallest and
                 largest samples): where start-up dominates
  error.*        |pi_hat - pi| against samples, with the 1/sqrt(N) reference line
  coexec.*       co-execution (only when the run has coexec cells): each cell's parts' shares of
                 the samples as stacked bars at the largest N, with efficiency and balance; and
                 efficiency and balance against N
"""
import csv
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update({"font.size": 11, "axes.grid": True, "grid.alpha": 0.3,
                     "savefig.dpi": 110, "figure.figsize": (7.5, 4.8)})


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return math.nan


def label(r):
    dev = r["device"]
    dev = "" if dev in ("", "cpu") else " [" + dev[:24] + "]"
    return "%s%s w=%s" % (r["backend"], dev, r["workers"])


def pow2(n):
    """N as 2^k when it is a power of two, else as a number."""
    return "2^%d" % (n.bit_length() - 1) if n > 0 and n & (n - 1) == 0 else "%d" % n


def save(fig, out, name):
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(os.path.join(out, name + "." + ext))
    plt.close(fig)


def throughput(cmp_rows, out):
    fig, ax = plt.subplots()
    series = {}
    for r in cmp_rows:
        if num(r["samples_per_s"]) > 0:
            series.setdefault(label(r), []).append((int(r["samples"]), num(r["samples_per_s"])))
    for name, pts in sorted(series.items()):
        pts.sort()
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=name)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("samples N (count)")
    ax.set_ylabel("throughput (samples/s, median wall)")
    ax.set_title("Throughput against problem size")
    ax.legend(fontsize=8, ncol=2)
    save(fig, out, "throughput")


def speedup(cmp_rows, out):
    ok = [r for r in cmp_rows if num(r["speedup_vs_serial"]) > 0]
    if not ok:
        return
    nmax = max(int(r["samples"]) for r in ok)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4.5))
    series = {}
    for r in ok:
        if int(r["samples"]) == nmax and r["backend"] != "serial":
            key = r["backend"] + ("" if r["device"] in ("", "cpu") else " [" + r["device"][:20] + "]")
            series.setdefault(key, []).append((int(r["workers"]), num(r["speedup_vs_serial"]),
                                               num(r["parallel_efficiency"])))
    wmax = 1
    for name, pts in sorted(series.items()):
        pts.sort()
        wmax = max(wmax, pts[-1][0])
        a1.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=name)
        a2.plot([p[0] for p in pts], [p[2] for p in pts], marker="o", label=name)
    ticks = sorted({p[0] for pts in series.values() for p in pts} | {1})
    for ax in (a1, a2):
        ax.set_xticks(ticks)
    a1.plot([1, wmax], [1, wmax], "k--", lw=1, label="ideal")
    a2.axhline(1.0, color="k", ls="--", lw=1, label="ideal")
    a1.set_xlabel("workers (count)")
    a1.set_ylabel("speedup over serial (x, median wall)")
    a2.set_xlabel("workers (count)")
    a2.set_ylabel("parallel efficiency (speedup / workers)")
    a1.set_title("Speedup at N = %s" % pow2(nmax))
    a2.set_title("Efficiency at N = %s" % pow2(nmax))
    a1.legend(fontsize=8)
    save(fig, out, "speedup")


def phases(cmp_rows, out):
    ok = [r for r in cmp_rows if num(r["median_wall_s"]) > 0]
    if not ok:
        return
    sizes = sorted({int(r["samples"]) for r in ok})
    picks = [sizes[0], sizes[-1]] if len(sizes) > 1 else sizes
    fig, axes = plt.subplots(1, len(picks), figsize=(6 * len(picks), 4.8), squeeze=False)
    for ax, n in zip(axes[0], picks):
        rows = [r for r in ok if int(r["samples"]) == n]
        names = [label(r) for r in rows]
        bottom = [0.0] * len(rows)
        for col, color in (("median_setup_s", "tab:orange"), ("median_compute_s", "tab:blue"),
                           ("median_collect_s", "tab:green")):
            vals = [num(r[col]) if num(r[col]) > 0 else 0.0 for r in rows]
            ax.bar(range(len(rows)), vals, bottom=bottom, color=color,
                   label=col.replace("median_", "").replace("_s", ""))
            bottom = [b + v for b, v in zip(bottom, vals)]
        ax.set_xticks(range(len(rows)))
        ax.set_xticklabels(names, rotation=45, ha="right", fontsize=8)
        ax.set_ylabel("median time (s)")
        ax.set_title("Phases at N = %s" % pow2(n))
        ax.legend(fontsize=8)
    save(fig, out, "phases")


def error(runs, out):
    pts = {}
    for r in runs:
        if r["status"] == "ok" and num(r["abs_error"]) >= 0:
            pts[int(r["samples"])] = num(r["abs_error"])  # the same for every exact backend
    if not pts:
        return
    xs = sorted(pts)
    fig, ax = plt.subplots()
    ax.plot(xs, [max(pts[x], 1e-18) for x in xs], "o", label="|pi_hat - pi| (seed of the run)")
    sd = math.sqrt(math.pi * (4 - math.pi))  # the standard error of pi_hat is sd / sqrt(N)
    ax.plot(xs, [sd / math.sqrt(x) for x in xs], "k--", label="1 standard error: 1.64/sqrt(N)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("samples N (count)")
    ax.set_ylabel("absolute error |pi_hat - pi| (dimensionless)")
    ax.set_title("Error of the estimate against N")
    ax.legend(fontsize=9)
    save(fig, out, "error")


def parts_of(text):
    """[(label, share, rate)] of a parts column: PART=SHARE@RATE;... (a label may hold '@')."""
    out = []
    for item in filter(None, (text or "").split(";")):
        label_, _, rest = item.rpartition("=")
        share, _, rate = rest.partition("@")
        out.append((label_, num(share), num(rate)))
    return out


def short_part(name):
    """'opencl:pthread-skylake-avx512-Intel(R) ...' -> 'opencl:pthread-skylake-a...'."""
    return name if len(name) <= 26 else name[:25] + "\u2026"


def median(vals):
    vals = sorted(v for v in vals if not math.isnan(v))
    if not vals:
        return math.nan
    k = len(vals)
    return vals[k // 2] if k % 2 else (vals[k // 2 - 1] + vals[k // 2]) / 2


def coexec(runs, cmp_rows, out):
    """Stacked shares of each coexec cell at the largest N (efficiency and balance written on
    the bars), and efficiency and balance against N."""
    cells = [r for r in cmp_rows if r["backend"] == "coexec" and num(r["samples_per_s"]) > 0]
    if not cells:
        return
    ok = [r for r in runs if r["backend"] == "coexec" and r["status"] == "ok"]
    nmax = max(int(r["samples"]) for r in cells)
    devices = sorted({r["device"] for r in cells})
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 1.6 + 0.9 * len(devices)), squeeze=True,
                                 gridspec_kw={"width_ratios": [3, 2]})
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    color_of = {}
    for y, dev in enumerate(devices):
        rows = [r for r in ok if r["device"] == dev and int(r["samples"]) == nmax]
        if not rows:
            continue
        names = [p[0] for p in parts_of(rows[0]["parts"])]
        shares = [median([parts_of(r["parts"])[i][1] for r in rows]) for i in range(len(names))]
        rates = [median([parts_of(r["parts"])[i][2] for r in rows]) for i in range(len(names))]
        left = 0.0
        for name, share, rate in zip(names, shares, rates):
            first = name not in color_of
            color = color_of.setdefault(name, colors[len(color_of) % len(colors)])
            a1.barh(y, share, left=left, color=color, edgecolor="white",
                    label=short_part(name) if first else None)
            if share > 0.08:
                a1.text(left + share / 2, y, "%.2f\n%.3g/s" % (share, rate), ha="center",
                        va="center", fontsize=8, color="white")
            left += share
        cell = next(r for r in cells if r["device"] == dev and int(r["samples"]) == nmax)
        a1.text(1.01, y, "eff %s\nbal %.3f" % (
            "%.3f" % num(cell["coexec_efficiency"]) if num(cell.get("coexec_efficiency")) > 0
            else "-", median([num(r["balance"]) for r in rows])), va="center", fontsize=8)
    a1.set_yticks(range(len(devices)))
    a1.set_yticklabels(devices, fontsize=8)
    a1.set_xlim(0, 1)
    a1.set_xlabel("share of the samples (fraction), median of the repetitions")
    a1.set_title("Co-execution at N = %s: who counted what" % pow2(nmax))
    a1.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.08), ncol=3, frameon=False)
    for dev in devices:
        pts = sorted((int(r["samples"]), num(r.get("coexec_efficiency")))
                     for r in cells if r["device"] == dev)
        bal = sorted((int(r["samples"]), median([num(q["balance"]) for q in ok
                      if q["device"] == dev and q["samples"] == r["samples"]]))
                     for r in cells if r["device"] == dev)
        line = a2.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label="eff " + dev)
        a2.plot([p[0] for p in bal], [p[1] for p in bal], marker="x", linestyle="--",
                color=line[0].get_color(), label="balance " + dev)
    a2.axhline(1.0, color="k", linewidth=0.8)
    a2.set_xscale("log", base=2)
    a2.set_xlabel("samples N (count)")
    a2.set_ylabel("efficiency, balance (ratio)")
    a2.set_title("Efficiency: rate / sum of solo rates")
    a2.legend(fontsize=7)
    save(fig, out, "coexec")


def main(argv):
    if len(argv) != 2 or not os.path.isdir(argv[1]):
        sys.stderr.write("usage: plot.py RESULTS_DIR (a folder with runs.csv and comparison.csv)\n")
        return 2
    out = argv[1]
    runs = read(os.path.join(out, "runs.csv"))
    cmp_rows = read(os.path.join(out, "comparison.csv"))
    throughput(cmp_rows, out)
    speedup(cmp_rows, out)
    phases(cmp_rows, out)
    error(runs, out)
    coexec(runs, cmp_rows, out)
    print("plot.py: figures in %s (throughput, speedup, phases, error, coexec when it ran; .png "
          "and .svg)" % out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
