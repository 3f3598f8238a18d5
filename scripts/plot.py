#!/usr/bin/python3
"""plot.py DIR [DIR ...] [--out OUT] - figures of hetmc results (Python 3 + matplotlib).

Each DIR is a results folder with runs.csv (a `hetmc matrix` folder, a bench/lesson.py folder,
or any folder of hetmc's CSV contract) and, when there is one, provenance.txt. Several folders
are overlaid, each labelled by its host and CPU (and its devices) from provenance.txt, with its
own marker. Statistics come from runs.csv's ok rows (median and quartiles by linear
interpolation, as comparison.csv), so every folder plots alike. Written into OUT (default: the
first DIR), each as PNG and SVG, one figure per question:

  throughput  how fast? median samples/s against N, log-log, IQR error bars
  speedup     how well do workers scale? speed-up over serial and parallel efficiency against
              workers at the largest N (device backends get no efficiency point: their
              "workers" are not cores; mpi is one series whatever its ranks run on)
  startup     what does starting cost? median setup_s against N (processes: start method)
  phases      where does the time go? median setup, compute and collect at the smallest and
              the largest N (a log axis when they span decades)
  error       is the estimate right? |pi_hat - pi| against N with one standard error
  lesson      (folders with bench/lesson.py rows) speed-up over serial against N: Python
              threads, processes per start method, pools and numba over py-serial (numba over
              py-numba), beside hetmc's threads and processes over serial
  coexec      (the first folder, when it has coexec rows) who counted what: each coexec
              cell's parts' shares of the samples as stacked bars at its largest N, with each
              part's rate, the cell's efficiency (its rate over the sum of its parts' solo
              rates, as comparison.csv's coexec_efficiency) and balance; and efficiency and
              balance against N

One colour per backend (the same in every figure, never shared by two backends), one line
style per worker count, one marker per folder.
"""
import argparse
import io
import math
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hetmc_data  # noqa: E402  (what the tools ask hetmc: backends, verdicts, statistics)
from hetmc_data import Fail  # noqa: E402

plt.rcParams.update({"font.size": 10, "axes.grid": True, "grid.alpha": 0.3,
                     "savefig.dpi": 110, "figure.figsize": (8, 5), "svg.fonttype": "none"})

# Kelly's colours of maximum contrast (white and the palest left out): one per backend.
PALETTE = ["#222222", "#0067a5", "#008856", "#be0032", "#875692", "#882d17", "#e68fac",
           "#2f9fd8", "#8db600", "#f38400", "#848482", "#2b3d26", "#654522", "#e25822",
           "#604e97", "#c2b280", "#f6a600", "#b3446c", "#dcd300", "#f99379", "#a1caf1"]
STYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


class Backends:
    """What hetmc says of its backends (hetmc --list-backends), and the order and colours of
    every backend in the folders: hetmc's in its order, then the others (bench/lesson.py's
    py-* variants) by name. Colours repeat only past 21 backends."""

    def __init__(self, hetmc):
        rows = hetmc_data.backends(hetmc)
        self.family = {r["name"]: r["family"] for r in rows}
        self.reference = next((r["name"] for r in rows if "reference" in r["flags"].split()),
                              "serial")
        self.known = [r["name"] for r in rows]
        self.units = hetmc_data.device_units(hetmc)

    def add(self, names):
        self.known += sorted(set(names) - set(self.known))

    def index(self, backend):
        return self.known.index(backend) if backend in self.known else len(self.known)

    def is_device(self, backend):
        """Its `workers` are not cores (an OpenCL device runs on its compute units)."""
        return self.family.get(backend) == "opencl"

    def is_process(self, backend):
        return self.family.get(backend) == "procs"

    def host_parallel(self):
        """hetmc's backends that run on the host's cores (threads, OpenMP, processes)."""
        return [b for b in self.known if self.family.get(b) in ("threads", "openmp", "procs")
                and b != self.reference]


BK = None  # the Backends of this run (set by load)


def colour(backend):
    return PALETTE[BK.index(backend) % len(PALETTE)]


def style(workers, all_workers):
    return STYLES[sorted(all_workers).index(workers) % len(STYLES)]


def num(s):
    try:
        v = float(s)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) else math.nan


# comparison.csv's column of each statistic a figure draws: (quantity, quantile) -> column.
COLUMNS = {("wall", 0.5): "median_wall_s", ("wall", 0.25): "q1_wall_s",
           ("wall", 0.75): "q3_wall_s", ("setup", 0.5): "median_setup_s",
           ("setup", 0.25): "q1_setup_s", ("setup", 0.75): "q3_setup_s",
           ("compute", 0.5): "median_compute_s", ("collect", 0.5): "median_collect_s"}


class Cell:
    """One backend x device x workers x samples of one folder: its comparison.csv row."""

    def __init__(self, row):
        self.row = row
        self.backend, self.device = row["backend"], row["device"]
        self.workers, self.samples = int(row["workers"]), int(row["samples"])
        self.reps = int(row["reps_ok"])
        hits = num(row.get("hits"))
        self.error = abs(4 * hits / self.samples - math.pi) if self.samples else math.nan

    def stat(self, name, q=0.5):
        return num(self.row.get(COLUMNS[(name, q)]))

    def get(self, column):
        """Any comparison.csv column as a number (NaN when empty or absent)."""
        return num(self.row.get(column))

    def flag(self, column):
        return (self.row.get(column) or "").strip().lower() == "true"

    def suspect(self):
        """Measured under load (no clean repetition) or implausible: drawn marked."""
        return self.flag("under_load") or bool((self.row.get("implausible") or "").strip())


def mark_suspect(ax, pts):
    """A red ring around each (x, y) of a cell measured under load or implausible."""
    if pts:
        xs, ys = zip(*pts)
        ax.scatter(xs, ys, s=90, facecolors="none", edgecolors="#d62728", lw=1.4, zorder=5,
                   label="ringed: under load or implausible")


class Folder:
    """A results folder: its cells (comparison.csv's rows with ok repetitions; the first seed
    of a cell when there are several) and its label (host, CPU, devices)."""

    def __init__(self, path, index, hetmc):
        self.path, self.index, self.cells = path, index, {}
        self.prov = read_provenance(os.path.join(path, "provenance.txt"))
        self.runs = hetmc_data.read_rows(os.path.join(path, "runs.csv"))
        for r in hetmc_data.comparison(hetmc, path):
            if int(r["reps_ok"] or 0) > 0 and num(r["median_wall_s"]) > 0:
                c = Cell(r)
                self.cells.setdefault((c.backend, c.device, c.workers, c.samples), c)
        devices = sorted({ln.split("=", 1)[1].strip()[:32] for ln in self.prov.get("device", [])
                          if "=" in ln})
        self.label = "%s: %s, %s%s" % (os.path.basename(os.path.normpath(path)),
                                       self.prov.get("host", ["?"])[0],
                                       self.prov.get("cpu_model", ["?"])[0],
                                       "; " + ", ".join(devices) if devices else "")
        self.marker = MARKERS[index % len(MARKERS)]

    def series(self, keep=lambda c: True):
        """{(backend, device, workers): [cells by samples]}."""
        out = {}
        for c in self.cells.values():
            if keep(c):
                out.setdefault((c.backend, c.device, c.workers), []).append(c)
        for cells in out.values():
            cells.sort(key=lambda c: c.samples)
        return out

    def baseline(self, backend):
        """{samples: median wall} of the serial a backend is measured against: hetmc's
        reference backend; for bench/lesson.py's variants py-serial (py-numba for numba)."""
        base = next((own for own in ("py-numba", "py-numpy") if backend.startswith(own)),
                    "py-serial" if backend.startswith("py-") else BK.reference)
        return {c.samples: c.stat("wall") for c in self.cells.values()
                if c.backend == base and c.workers == 1}


def load(dirs, hetmc_path):
    """The folders, each checked by hetmc compare first (its verdict, its line)."""
    global BK
    hetmc = hetmc_data.find_hetmc(hetmc_path)
    for d in dirs:
        hetmc_data.check(hetmc, d)
    BK = Backends(hetmc)
    folders = [Folder(d, i, hetmc) for i, d in enumerate(dirs)]
    BK.add({c.backend for f in folders for c in f.cells.values()})
    return folders


def device_units(c):
    """The compute units of an OpenCL cell's device (as this machine's hetmc devices lists
    them), or None when unknown."""
    return BK.units.get(c.device)


def order(item):
    """Series in the backends' fixed order, then device, then workers."""
    (b, d, w), _ = item
    return (BK.index(b), b, d, w)


def read_provenance(path):
    """{key: [values]} of provenance.txt's "key: value" lines (device: lines repeat)."""
    out = {}
    if os.path.isfile(path):
        for line in open(path, encoding="utf-8", errors="replace"):
            k, sep, v = line.partition(":")
            if sep:
                out.setdefault(k.strip(), []).append(v.strip())
    return out


def name(backend, device, workers):
    dev = "" if device in ("", "cpu") else " [%s]" % device[:28]
    return "%s%s w=%d" % (backend, dev, workers)


def all_workers(folders):
    return {c.workers for f in folders for c in f.cells.values()}


def pow2(n):
    return "2^%d" % (n.bit_length() - 1) if n > 0 and n & (n - 1) == 0 else "%d" % n


def logscale_if_decades(ax, values, axis="y", decades=1.0):
    vals = [v for v in values if v > 0]
    if vals and math.log10(max(vals) / min(vals)) >= decades:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")


def save(fig, out, fname, made):
    # Every legend counts for the tight box, also those kept with add_artist.
    legends = [a for ax in fig.axes for a in ax.get_children() if isinstance(a, Legend)]
    for ext in ("png", "svg"):
        buf = io.BytesIO()
        fig.savefig(buf, format=ext, bbox_inches="tight",
                    bbox_extra_artists=legends + list(fig.legends))
        hetmc_data.write_file(os.path.join(out, fname + "." + ext), buf.getvalue())
    plt.close(fig)
    made.append(fname)


def legend(ax, folders, inside=False):
    """The series (colour: backend, line style: workers) once each, outside the axes on the
    right (under them with `inside`, for side-by-side panels); under the axes, with several
    folders, which marker is which folder."""
    handles, labels = ax.get_legend_handles_labels()
    seen = {}
    for h, lab in zip(handles, labels):
        seen.setdefault(lab, h)
    if not seen:
        return
    where = dict(loc="upper left", borderaxespad=0, bbox_to_anchor=(1.01, 1.0))
    if inside:  # under the axes, beside the other panels' legends
        where = dict(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)
    first = ax.legend(seen.values(), seen.keys(), fontsize=7, **where)
    if len(folders) > 1:
        ax.add_artist(first)
        marks = [Line2D([], [], color="#555555", marker=f.marker, ls="none",
                        label="%s: %s" % (chr(65 + f.index), f.label)) for f in folders]
        ax.legend(handles=marks, fontsize=7, loc="upper left", bbox_to_anchor=(0.0, -0.13),
                  borderaxespad=0, title="folders (marker)", title_fontsize=7)


def errbar(ax, xs, ys, lo, hi, f, backend, workers, ws, label):
    """One series: median line, IQR error bars."""
    ax.errorbar(xs, ys, yerr=[[max(0, y - a) for y, a in zip(ys, lo)],
                              [max(0, b - y) for y, b in zip(ys, hi)]],
                color=colour(backend), ls=style(workers, ws), marker=f.marker, ms=4,
                capsize=2, lw=1.3, label=label)


def throughput(folders, out, made):
    fig, ax = plt.subplots()
    ws, ys_all, n = all_workers(folders), [], 0
    for f in folders:
        for (b, d, w), cells in sorted(f.series().items(), key=order):
            xs = [c.samples for c in cells]
            ys = [c.samples / c.stat("wall") for c in cells]
            lo = [c.samples / c.stat("wall", 0.75) for c in cells]
            hi = [c.samples / c.stat("wall", 0.25) for c in cells]
            errbar(ax, xs, ys, lo, hi, f, b, w, ws, name(b, d, w))
            mark_suspect(ax, [(x, y) for x, y, c in zip(xs, ys, cells) if c.suspect()])
            ys_all += ys
            n += 1
    ax.set_xscale("log", base=2)
    logscale_if_decades(ax, ys_all)
    ax.set_xlabel("samples N (count)")
    ax.set_ylabel("throughput (samples/s; median, IQR bars)")
    ax.set_title("How fast? Throughput against problem size")
    legend(ax, folders)
    save(fig, out, "throughput", made)


def scaling_x(c):
    """The x of a cell on the scaling axis: its workers, or a device's compute units (None:
    unknown, the cell is left off)."""
    return device_units(c) if BK.is_device(c.backend) else c.workers


def speedup_series(f):
    """[(backend, device, [(x, speed-up, low, high)])] at each backend's largest N; and the
    device cells left off (compute units unknown)."""
    big, out, left = {}, [], []
    for c in f.cells.values():
        big[c.backend] = max(big.get(c.backend, 0), c.samples)
    for (b, d), cells in sorted(group_by_device(f, big).items(),
                                key=lambda kv: order(((kv[0][0], kv[0][1], 0), None))):
        base = f.baseline(b).get(big[b])
        if base is None or b in (BK.reference, "py-serial", "py-numba", "py-numpy"):
            continue
        pts = []
        for c in cells:
            x = scaling_x(c)
            if x is None:
                left.append(c)
                continue
            pts.append((x, base / c.stat("wall"), base / c.stat("wall", 0.75),
                        base / c.stat("wall", 0.25), c.suspect()))
        if pts:
            out.append((b, d, sorted(pts)))
    return out, left


def speedup(folders, out, made):
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.8))
    ticks, wmax, left = all_workers(folders) | {1}, 1, []
    for f in folders:
        series, off = speedup_series(f)
        left += off
        for b, d, pts in series:
            xs, sp, lo, hi, bad = zip(*pts)
            mark_suspect(a1, [(x, y) for x, y, k in zip(xs, sp, bad) if k])
            label = name(b, d, 0).replace(" w=0", "")
            if BK.is_device(b):
                label += " (x: %d compute units)" % xs[0]
            kw = dict(color=colour(b), marker=f.marker, ms=4, lw=1.3)
            a1.errorbar(xs, sp, yerr=[[max(0, s - l) for s, l in zip(sp, lo)],
                                      [max(0, h - s) for s, h in zip(sp, hi)]], label=label,
                        capsize=2, **kw)
            a2.plot(xs, [s / x for s, x in zip(sp, xs)], **kw)
            wmax, ticks = max(wmax, xs[-1]), ticks | set(xs)
    a1.plot([1, wmax], [1, wmax], "k--", lw=1, label="ideal")
    a2.axhline(1.0, color="k", ls="--", lw=1, label="ideal")
    a1.set_ylim(bottom=0)  # from zero: a difference of 2% must look like 2%
    a2.set_ylim(0, max(1.15, a2.get_ylim()[1]))
    for ax in (a1, a2):
        ax.set_xticks(sorted(ticks))
        ax.set_xlabel("workers; OpenCL devices: compute units (count)")
    a1.set_ylabel("speed-up over serial (x; median wall, IQR bars)")
    a2.set_ylabel("parallel efficiency (speed-up / workers or compute units)")
    a1.set_title("How well do workers scale? (each backend's largest N)")
    a2.set_title("Efficiency" + ("; left off (compute units unknown): " + ", ".join(
        sorted({c.device[:24] for c in left})) if left else ""), fontsize=9 if left else 10)
    legend_beside(a1, a2)
    legend(a2, folders)
    save(fig, out, "speedup", made)


def legend_beside(a1, a2):
    """a1's legend entries drawn into a2, whose legend goes right of the second panel."""
    h, lab = a1.get_legend_handles_labels()
    for hh, ll in zip(h, lab):
        if not isinstance(hh, (tuple, Line2D)):  # the rings of suspect cells
            a2.scatter([], [], s=90, facecolors="none", edgecolors="#d62728", lw=1.4, label=ll)
            continue
        line = hh[0] if isinstance(hh, tuple) else hh
        a2.plot([], [], color=line.get_color(), ls=line.get_linestyle(), marker=None, label=ll)


def group_by_device(f, big):
    """{(backend, device): cells at that backend's largest N}."""
    out = {}
    for c in f.cells.values():
        if c.samples == big[c.backend]:
            out.setdefault((c.backend, c.device), []).append(c)
    return out


def startup(folders, out, made):
    fig, ax = plt.subplots()
    ws, n, ys_all = all_workers(folders), 0, []
    for f in folders:
        for (b, d, w), cells in sorted(f.series(lambda c: c.stat("setup") > 0 and c.backend
                                                not in (BK.reference, "py-serial", "py-numba", "py-numpy")
                                                ).items(), key=order):
            pts = [(c.samples, c.stat("setup"), c.stat("setup", 0.25), c.stat("setup", 0.75))
                   for c in cells if c.stat("setup") > 0]
            if not pts:
                continue
            xs, ys, lo, hi = zip(*pts)
            errbar(ax, xs, ys, lo, hi, f, b, w, ws, name(b, d, w))
            mark_suspect(ax, [(x, y) for x, y, c in zip(xs, ys, cells) if c.suspect()])
            ys_all += ys
            n += 1
    if not n:
        plt.close(fig)
        return
    ax.set_xscale("log", base=2)
    logscale_if_decades(ax, ys_all)
    ax.set_xlabel("samples N (count)")
    ax.set_ylabel("setup_s: start until every worker computes (s; median, IQR)")
    ax.set_title("What does starting cost? Start-up against N")
    legend(ax, folders)
    save(fig, out, "startup", made)


PHASE_COLOURS = (("setup", "#f38400"), ("compute", "#0067a5"), ("collect", "#8db600"))


def phases(folders, out, made):
    """Share of the median wall in setup, compute and collect, per backend and workers, at the
    smallest N and at each backend's largest N (the first folder; bars are phases here)."""
    f = folders[0]
    sizes = sorted({c.samples for c in f.cells.values()})
    if not sizes:
        return
    big = {}
    for c in f.cells.values():
        big[c.backend] = max(big.get(c.backend, 0), c.samples)
    panels = [("the smallest N = %s" % pow2(sizes[0]), lambda c: c.samples == sizes[0]),
              ("each backend's largest N", lambda c: c.samples == big[c.backend])]
    rows = max(len([c for c in f.cells.values() if keep(c)]) for _, keep in panels)
    fig, axes = plt.subplots(1, 2, figsize=(14, 1.2 + 0.24 * rows), squeeze=False)
    for ax, (title, keep) in zip(axes[0], panels):
        phases_panel(ax, f, keep, sizes[0], title)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, loc="lower center", ncol=3,
               bbox_to_anchor=(0.5, 1.0))
    fig.subplots_adjust(wspace=0.6)
    save(fig, out, "phases", made)


def phases_panel(ax, f, keep, smallest, title):
    """One panel of the phases figure: the cells `keep` accepts, each a bar of phase shares."""
    cells = sorted((c for c in f.cells.values() if keep(c)),
                   key=lambda c: order(((c.backend, c.device, c.workers), None)), reverse=True)
    left = [0.0] * len(cells)
    for ph, col in PHASE_COLOURS:
        share = [max(c.stat(ph), 0) / c.stat("wall") if c.stat(ph) == c.stat(ph) else 0
                 for c in cells]
        ax.barh(range(len(cells)), share, left=left, color=col, label=ph)
        left = [a + b for a, b in zip(left, share)]
    for k, c in enumerate(cells):
        ax.text(1.01, k, "%.3g s" % c.stat("wall"), va="center", fontsize=7)
    ax.set_yticks(range(len(cells)))
    ax.set_yticklabels(["%s w=%d%s" % (c.backend, c.workers, "" if c.samples == smallest
                                       else " N=%s" % pow2(c.samples)) for c in cells],
                       fontsize=7)
    ax.set_xlim(0, 1.15)
    ax.set_xlabel("share of the median wall time (the rest: between the phases)")
    ax.set_title("Where does the time go? %s (right: median wall)" % title, fontsize=10)


def error(folders, out, made):
    fig, ax = plt.subplots()
    n = 0
    for f in folders:
        pts = {}
        for c in f.cells.values():
            if c.error == c.error:
                pts[c.samples] = c.error  # the same for every exact backend
        if pts:
            xs = sorted(pts)
            ax.plot(xs, [max(pts[x], 1e-18) for x in xs], f.marker, color=PALETTE[f.index],
                    label="|pi_hat - pi|" + (" (%s)" % chr(65 + f.index) if len(folders) > 1
                                             else ""))
            n += 1
    if not n:
        plt.close(fig)
        return
    xs = sorted({c.samples for f in folders for c in f.cells.values() if c.samples > 0})
    sd = math.sqrt(math.pi * (4 - math.pi))  # the standard error of pi_hat is sd / sqrt(N)
    ax.plot(xs, [sd / math.sqrt(x) for x in xs], "k--", label="1 standard error: 1.64/sqrt(N)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("samples N (count)")
    ax.set_ylabel("absolute error |pi_hat - pi| (dimensionless)")
    ax.set_title("Is the estimate right? Error against N")
    legend(ax, folders)
    save(fig, out, "error", made)


def lesson_variants():
    """bench/lesson.py's variants in the folders but the serial ones (their baselines)."""
    return [b for b in BK.known if b.startswith("py-") and b not in ("py-serial", "py-numba",
                                                                     "py-numpy")]


def lesson(folders, out, made):
    """Speed-up over serial against N: the Python variants and hetmc's, side by side."""
    fs = [f for f in folders if any(c.backend.startswith("py-") for c in f.cells.values())]
    if not fs:
        return
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.2), sharey=True)
    ws = all_workers(fs)
    for ax, kinds, title in ((axes[0], lesson_variants(), "Python (over py-serial; numba, NumPy over theirs)"),
                             (axes[1], BK.host_parallel(), "hetmc, C (over serial)")):
        n = 0
        for f in fs:
            for (b, d, w), cells in sorted(f.series(lambda c: c.backend in kinds).items(),
                                            key=order):
                base = f.baseline(b)
                pts = [(c.samples, base[c.samples] / c.stat("wall"),
                        base[c.samples] / c.stat("wall", 0.75),
                        base[c.samples] / c.stat("wall", 0.25))
                       for c in cells if c.samples in base]
                if pts:
                    xs, ys, lo, hi = zip(*pts)
                    errbar(ax, xs, ys, lo, hi, f, b, w, ws, name(b, d, w))
                    n += 1
        ax.axhline(1.0, color="k", lw=1)
        for w in sorted(ws - {1}):
            ax.axhline(w, color="grey", ls=":", lw=1)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log", base=2)
        ax.set_xlabel("samples N (count)")
        ax.set_title(title, fontsize=10)
        legend(ax, [], inside=True)
    if len(fs) > 1 and axes[1].get_legend():  # which marker is which folder, on the right
        axes[1].add_artist(axes[1].get_legend())
        axes[1].legend(handles=[Line2D([], [], color="#555555", marker=f.marker, ls="none",
                                       label="%s: %s" % (chr(65 + f.index), f.label))
                                for f in fs], fontsize=7, loc="upper left",
                       bbox_to_anchor=(1.01, 1.0), title="folders (marker)", title_fontsize=7)
    axes[0].set_ylabel("speed-up over serial (x; median wall, IQR bars)")
    fig.suptitle("The lesson: threads, processes per start method, against N (dotted: W x)")
    save(fig, out, "lesson", made)


def parts_of(text):
    """[(label, share, rate)] of a parts column: PART=SHARE@RATE;... (a label may hold '@')."""
    out = []
    for item in filter(None, (text or "").split(";")):
        label, _, rest = item.rpartition("=")
        share, _, rate = rest.rpartition("@")
        out.append((label, num(share), num(rate)))
    return out


def coexec_rows(f):
    """{(device, samples): [ok coexec rows]} of folder f, whose parts and balance columns the
    cells do not keep."""
    out = {}
    for r in f.runs:
        if BK.family.get(r.get("backend")) == "coexec" and r.get("status") == "ok" and \
                r.get("parts"):
            out.setdefault((r["device"], int(r["samples"])), []).append(r)
    return out


def median(xs):
    """The median of one coexec cell's per-repetition parts and balance (columns that
    comparison.csv does not summarise); NaN when there are none."""
    xs = [x for x in xs if x == x]
    return statistics.median(xs) if xs else math.nan


def coexec_point(f, dev, samples, rows):
    """(efficiency from comparison.csv's coexec_efficiency, median balance) of one cell."""
    cell = next((c for c in f.cells.values() if BK.family.get(c.backend) == "coexec" and
                 c.device == dev and c.samples == samples), None)
    eff = cell.get("coexec_efficiency") if cell else math.nan
    return eff, median(num(r.get("balance")) for r in rows)


def coexec_bars(ax, f, rows):
    """The stacked shares of each coexec cell at its largest N; returns the devices."""
    devices = sorted({d for d, _ in rows})
    colours = {}
    for y, dev in enumerate(devices):
        n = max(s for d, s in rows if d == dev)
        cell_rows, left = rows[(dev, n)], 0.0
        for i, (label, _, _) in enumerate(parts_of(cell_rows[0]["parts"])):
            share = median(parts_of(r["parts"])[i][1] for r in cell_rows)
            rate = median(parts_of(r["parts"])[i][2] for r in cell_rows)
            first = label not in colours
            col = colours.setdefault(label, PALETTE[(3 + len(colours)) % len(PALETTE)])
            ax.barh(y, share, left=left, color=col, edgecolor="white",
                    label=(label if len(label) < 30 else label[:29] + "\u2026") if first else None)
            if share > 0.08:
                ax.text(left + share / 2, y, "%.2f\n%.3g/s" % (share, rate), ha="center",
                        va="center", fontsize=7, color="white")
            left += share
        eff, bal = coexec_point(f, dev, n, cell_rows)
        ax.text(1.01, y, "N=%s\neff %s\nbal %.3f" % (pow2(n), "%.3f" % eff if eff == eff else "-",
                                                   bal), va="center", fontsize=7)
    ax.set_yticks(range(len(devices)))
    ax.set_yticklabels(devices, fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the samples (fraction; median of the repetitions)")
    ax.set_title("Co-execution: who counted what (right: efficiency, balance)", fontsize=10)
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.08), ncol=3, frameon=False)
    return devices


def coexec(folders, out, made):
    """Shares, efficiency and balance of the first folder's coexec cells."""
    f = folders[0]
    rows = coexec_rows(f)
    if not rows:
        return
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 2.2 + 0.9 * len({d for d, _ in rows})),
                                 gridspec_kw={"width_ratios": [3, 2]})
    for k, dev in enumerate(coexec_bars(a1, f, rows)):
        sizes = sorted(s for d, s in rows if d == dev)
        pts = [coexec_point(f, dev, n, rows[(dev, n)]) for n in sizes]
        col = PALETTE[(8 + k) % len(PALETTE)]
        a2.plot(sizes, [p[0] for p in pts], marker="o", color=col, label="efficiency " + dev)
        a2.plot(sizes, [p[1] for p in pts], marker="x", ls="--", color=col,
                label="balance " + dev)
    a2.axhline(1.0, color="k", lw=1)
    a2.set_xscale("log", base=2)
    a2.set_ylim(0, 1.1)
    a2.set_xlabel("samples N (count)")
    a2.set_ylabel("efficiency, balance (ratios)")
    a2.set_title("Efficiency (rate / sum of solo rates) and balance", fontsize=10)
    fig.subplots_adjust(wspace=0.45)
    a2.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=1)
    save(fig, out, "coexec", made)


def main(argv):
    p = argparse.ArgumentParser(prog="plot.py", description=__doc__.split("\n\n")[0])
    p.add_argument("dirs", nargs="+", metavar="DIR", help="results folders (with runs.csv)")
    p.add_argument("--out", help="the folder the figures go to (default: the first DIR)")
    p.add_argument("--hetmc", help="the hetmc binary (default: build/hetmc of this checkout, "
                   "else hetmc on PATH)")
    p.error = lambda msg: (_ for _ in ()).throw(Fail(msg))
    a = p.parse_args(argv)
    folders = load(a.dirs, a.hetmc)
    out = a.out or a.dirs[0]
    hetmc_data.out_folder(out)
    made = []
    for fig in FIGURES:
        fig(folders, out, made)
    print("plot.py: figures in %s (%s; .png and .svg)" % (out, ", ".join(made)))
    return 0


FIGURES = (throughput, speedup, startup, phases, error, lesson, coexec)

if __name__ == "__main__":
    sys.exit(hetmc_data.run_main("plot.py", main, sys.argv[1:]))
