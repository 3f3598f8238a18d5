#!/usr/bin/python3
"""report.py DIR [DIR ...] --out report.html - one self-contained page of hetmc results.

Reads each DIR's runs.csv (a `hetmc matrix` folder, a bench/lesson.py folder, any folder of
hetmc's CSV contract), its provenance.txt, comparison.csv and lesson.md when present, and
writes one HTML file that opens from disk with nothing else: no script, no link, every figure
inline as SVG (drawn by scripts/plot.py, the folders overlaid). Sections, in order:

  summary     the folders and what they ran on
  figures     throughput, speed-up, start-up, phases, error (and the lesson's and
              co-execution's figures when the folders have such rows)
  compare     with several folders: `hetmc compare --format csv FIRST OTHER` for each other
              folder (pairs, the ratio with its 95% interval, cells on one side only); needs
              the hetmc binary (--hetmc, default build/hetmc)
  comparison  per folder, per cell: repetitions, median wall, IQR, samples/s, speed-up over
              its serial and whether every count equals serial's
  noisy       the cells whose repetitions disagree: comparison.csv's `noisy` column where the
              folder has one, else a coefficient of variation of wall_s above 10%
  lesson      lesson.md's table, for bench/lesson.py folders
  provenance  every folder's provenance.txt

Exit status: 0 written, 2 bad usage (one line on stderr).
"""
import argparse
import csv
import html
import io
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402  (scripts/plot.py: the figures and the statistics of a folder)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOISY_CV = 0.10
CAPTIONS = {
    "throughput": "How fast? Median samples/s against N (IQR bars).",
    "speedup": "How well do workers scale? Speed-up over serial and efficiency against workers.",
    "startup": "What does starting cost? Median setup_s against N.",
    "phases": "Where does the time go? Share of the wall time in setup, compute and collect.",
    "error": "Is the estimate right? |pi_hat - pi| against N, with one standard error.",
    "lesson": "The lesson: speed-up over serial against N, Python beside hetmc's C.",
    "coexec": "Co-execution: each part's share of the samples, efficiency and balance.",
}
STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1200px;color:#222;
line-height:1.4;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:2px solid #0067a5;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.8em;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:.15em .5em;text-align:right}th{background:#eef3f8}
td.t,th.t{text-align:left}tr.bad td{background:#fde2e2}tr.noisy td{background:#fff3cd}
figure{margin:1em 0 2em}figcaption{font-weight:600;margin-bottom:.3em}
svg{max-width:100%;height:auto}code{background:#f3f3f3;padding:0 .2em}
.note{color:#555;font-size:.9em}
"""


def esc(s):
    return html.escape(str(s), quote=True)


def table(head, rows, left=1, classes=None):
    """An HTML table; the first `left` columns left-aligned; classes[i] for row i."""
    out = ["<table><tr>"] + ["<th%s>%s</th>" % (' class="t"' if i < left else "", esc(h))
                             for i, h in enumerate(head)] + ["</tr>"]
    for i, r in enumerate(rows):
        cls = ' class="%s"' % classes[i] if classes and classes[i] else ""
        out.append("<tr%s>" % cls + "".join("<td%s>%s</td>" % (' class="t"' if k < left else "",
                                                                esc(v)) for k, v in enumerate(r))
                   + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def fmt(v, spec="%.4g"):
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else spec % v


# ---- the figures, inline ----------------------------------------------------------------------

def inline_svg(path, prefix):
    """The <svg> element of a matplotlib SVG file, its ids made unique to this figure."""
    text = open(path, encoding="utf-8").read()
    text = text[text.index("<svg"):]
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    for i in sorted(ids, key=len, reverse=True):
        text = text.replace('id="%s"' % i, 'id="%s-%s"' % (prefix, i))
        text = text.replace("#%s)" % i, "#%s-%s)" % (prefix, i))
        text = text.replace('href="#%s"' % i, 'href="#%s-%s"' % (prefix, i))
    return text


def figures(folders):
    """(name, svg text) of every figure plot.py draws for these folders."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        made = []
        for fig in (plot.throughput, plot.speedup, plot.startup, plot.phases, plot.error,
                    plot.lesson, plot.coexec):
            fig(folders, tmp, made)
        for k, name in enumerate(made):
            out.append((name, inline_svg(os.path.join(tmp, name + ".svg"), "f%d" % k)))
    return out


# ---- the sections -----------------------------------------------------------------------------

def read_csv(path):
    if not os.path.exists(path):
        return None
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def noisy_flags(path):
    """{(backend, device, workers, samples): noisy?} from comparison.csv's `noisy` column, or
    None when the folder has none."""
    rows = read_csv(os.path.join(path, "comparison.csv"))
    if not rows or "noisy" not in rows[0]:
        return None
    return {(r["backend"], r["device"], int(r["workers"]), int(r["samples"])):
            r["noisy"].strip().lower() in ("true", "yes", "1", "noisy") for r in rows}


def cells_table(f):
    """The comparison of one folder, and its noisy cells as (cell, why)."""
    flags = noisy_flags(f.path)
    hits = {}
    for r in read_csv(os.path.join(f.path, "runs.csv")):
        if r["status"] == "ok":
            hits.setdefault((r["backend"], r["device"], int(r["workers"]), int(r["samples"])),
                            set()).add(r["hits"])
    rows, classes, noisy = [], [], []
    for c in sorted(f.cells.values(), key=lambda c: (plot.order(((c.backend, c.device,
                                                                   c.workers), None)), c.samples)):
        med, base = c.stat("wall"), f.baseline(c.backend).get(c.samples)
        serial_hits = hits_of(hits, c, f)
        mine = hits_of_cell(hits, c)
        match = "" if serial_hits is None else ("yes" if mine == serial_hits else "NO")
        cv = statistics.pstdev(c.wall) / statistics.mean(c.wall) if len(c.wall) > 1 else 0.0
        key = (c.backend, c.device, c.workers, c.samples)
        why = None
        if flags is not None and flags.get(key):
            why = "flagged noisy in comparison.csv (cv %.2f)" % cv
        elif flags is None and cv > NOISY_CV:
            why = "cv of wall_s %.2f > %.2f" % (cv, NOISY_CV)
        if why:
            noisy.append((c, why))
        rows.append([c.backend, c.device or "(mpi)", c.workers, plot.pow2(c.samples),
                     len(c.wall), fmt(med, "%.4g"), fmt(c.stat("wall", .75) - c.stat("wall", .25),
                                                         "%.2g"),
                     fmt(c.samples / med, "%.3g"), fmt(base / med if base else None, "%.3g"),
                     fmt(cv, "%.2f"), match])
        classes.append("bad" if match == "NO" else ("noisy" if why else ""))
    head = ["backend", "device", "workers", "N", "ok reps", "median wall (s)", "IQR (s)",
            "samples/s", "speed-up", "cv", "hits = serial's"]
    return table(head, rows, left=2, classes=classes), noisy


def hits_of_cell(hits, c):
    vals = [v for k, v in hits.items() if k[0] == c.backend and k[2] == c.workers and
            k[3] == c.samples and (c.backend == "mpi" or k[1] == c.device)]
    merged = set().union(*vals) if vals else set()
    return next(iter(merged)) if len(merged) == 1 else None


def hits_of(hits, c, f):
    """The serial count at c's N (hetmc's serial; for Python rows too: the same stream)."""
    for b in ("serial", "py-serial", "py-numba"):
        vals = hits.get((b, "cpu", 1, c.samples))
        if vals and len(vals) == 1:
            return next(iter(vals))
    return None


def compare_section(folders, hetmc):
    if len(folders) < 2:
        return ""
    parts = ['<section id="compare"><h2>hetmc compare</h2>',
             '<p class="note">Each folder against %s: cells paired on backend, workers, N and '
             'the device (by name, or by its position among the backend\'s devices); ratio = '
             'median wall B / A with its Hodges-Lehmann 95%% interval.</p>' % esc(
                 folders[0].label)]
    for f in folders[1:]:
        parts.append("<h3>A = %s, B = %s</h3>" % (esc(folders[0].label), esc(f.label)))
        if not hetmc:
            parts.append("<p>hetmc not found (--hetmc): run <code>hetmc compare %s %s</code>"
                         "</p>" % (esc(folders[0].path), esc(f.path)))
            continue
        r = subprocess.run([hetmc, "compare", "--format", "csv", folders[0].path, f.path],
                           capture_output=True, text=True)
        if r.returncode != 0:
            parts.append("<p>hetmc compare said: %s</p>" % esc(r.stderr.strip()))
            continue
        rows = list(csv.reader(io.StringIO(r.stdout)))
        keep = ["backend", "workers", "samples", "device_a", "device_b", "paired_on",
                "median_wall_s_a", "median_wall_s_b", "ratio_b_over_a", "ratio_ci_low",
                "ratio_ci_high", "p_value", "hits_equal"]
        idx = [rows[0].index(k) for k in keep]
        body = [[row[i] for i in idx] for row in rows[1:]]
        parts.append(table(keep, body, left=1, classes=[
            "noisy" if row[5] in ("a_only", "b_only") else "" for row in body]))
    parts.append("</section>")
    return "\n".join(parts)


def lesson_section(folders):
    parts = []
    for f in folders:
        path = os.path.join(f.path, "lesson.md")
        if not os.path.exists(path):
            continue
        lines = open(path).read().splitlines()
        rows = [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in lines
                if ln.startswith("|") and not ln.startswith("|---")]
        text = " ".join(ln for ln in lines if ln and not ln.startswith(("|", "#")))
        parts.append("<h3>%s</h3><p class=\"note\">%s</p>%s" % (
            esc(f.label), esc(text), table(rows[0], rows[1:], left=1) if rows else ""))
    if not parts:
        return ""
    intro = ("<p>The lesson hetmc grew from: pi estimated with Python's threading (held back "
             "by the GIL), multiprocessing.Process and Pool under the spawn, fork and forkserver "
             "start methods, and numba, here on hetmc's exact stream (bench/lesson.py) beside "
             "hetmc's own C backends.</p>")
    return '<section id="lesson"><h2>The lesson</h2>%s%s</section>' % (intro, "\n".join(parts))


def provenance_section(folders):
    parts = ['<section id="provenance"><h2>Provenance</h2>']
    for f in folders:
        path = os.path.join(f.path, "provenance.txt")
        rows = []
        if os.path.exists(path):
            rows = [ln.partition(":")[::2] for ln in open(path).read().splitlines() if ":" in ln]
        parts.append("<h3>%s</h3>" % esc(f.label))
        parts.append(table(["key", "value"], [[k.strip(), v.strip()] for k, v in rows], left=2)
                     if rows else "<p>no provenance.txt in %s</p>" % esc(f.path))
    parts.append("</section>")
    return "\n".join(parts)


def page(folders, hetmc):
    figs = figures(folders)
    tables, noisy = [], []
    for f in folders:
        t, n = cells_table(f)
        tables.append("<h3>%s</h3>%s" % (esc(f.label), t))
        noisy += [(f, c, why) for c, why in n]
    summary = table(["", "folder", "host, CPU, devices", "ok cells"],
                    [[chr(65 + f.index), f.path, f.label, len(f.cells)] for f in folders], left=3)
    noisy_rows = [[chr(65 + f.index), c.backend, c.device, c.workers, plot.pow2(c.samples),
                   len(c.wall), why] for f, c, why in noisy]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>hetmc report</title><style>%s</style></head><body>" % STYLE,
           '<section id="summary"><h1>hetmc report</h1>%s<p class="note">Statistics from each '
           'runs.csv: medians and quartiles of the ok repetitions; speed-up over the serial of '
           'the same kind (py-* over py-serial, numba over py-numba).</p></section>' % summary,
           '<section id="figures"><h2>Figures</h2>']
    for name, svg in figs:
        out.append('<figure id="fig-%s"><figcaption>%s</figcaption>%s</figure>' % (
            name, esc(CAPTIONS.get(name, name)), svg))
    out += ["</section>", compare_section(folders, hetmc),
            '<section id="comparison"><h2>Comparison, per folder</h2>%s</section>' %
            "\n".join(tables),
            '<section id="noisy"><h2>Noisy cells</h2><p class="note">%d cell%s whose '
            'repetitions disagree (comparison.csv\'s noisy column where present, else a '
            'coefficient of variation above %.0f%%): repeat them on a quiet machine.</p>%s'
            '</section>' % (len(noisy), "" if len(noisy) == 1 else "s", NOISY_CV * 100,
                            table(["", "backend", "device", "workers", "N", "ok reps", "why"],
                                  noisy_rows, left=3) if noisy else ""),
            lesson_section(folders), provenance_section(folders), "</body></html>"]
    return "\n".join(x for x in out if x)


def main(argv):
    p = argparse.ArgumentParser(prog="report.py", description=__doc__.split("\n\n")[0])
    p.add_argument("dirs", nargs="+", metavar="DIR", help="results folders (with runs.csv)")
    p.add_argument("--out", required=True, help="the HTML file to write")
    p.add_argument("--hetmc", default=os.path.join(REPO, "build", "hetmc"),
                   help="hetmc binary for the compare section (default build/hetmc)")
    p.error = lambda msg: (sys.stderr.write("report.py: %s\n" % msg), sys.exit(2))
    a = p.parse_args(argv)
    for d in a.dirs:
        if not os.path.isfile(os.path.join(d, "runs.csv")):
            p.error("%s has no runs.csv: not a hetmc results folder" % d)
    hetmc = a.hetmc if os.access(a.hetmc, os.X_OK) else None
    folders = [plot.Folder(d, i) for i, d in enumerate(a.dirs)]
    text = page(folders, hetmc)
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, a.out)
    print("report.py: %s" % a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
