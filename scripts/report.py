#!/usr/bin/python3
"""report.py DIR [DIR ...] --out report.html - one self-contained page of hetmc results.

Reads each DIR's runs.csv (a `hetmc matrix` folder, a bench/lesson.py folder, any folder of
hetmc's CSV contract), its provenance.txt, comparison.csv and lesson.md when present, and
writes one HTML file that opens from disk with nothing else: no script, no link, every figure
inline as SVG (drawn by scripts/plot.py, the folders overlaid). Sections, in order:

  summary     the folders and what they ran on
  findings    what the results say, in words, each with its number, figure and cell
              (scripts/findings.py; also written as Markdown with --summary-md PATH)
  figures     throughput, speed-up, start-up, phases, error (and the lesson's and
              co-execution's figures when the folders have such rows)
  compare     with several folders: `hetmc compare --format csv FIRST OTHER` for each other
              folder (pairs, the ratio with its 95% interval, cells on one side only); needs
              the hetmc binary (--hetmc, default build/hetmc)
  comparison  per folder, per cell: repetitions, median wall, IQR, samples/s, speed-up over
              its serial and whether every count equals serial's
  noisy       the cells whose repetitions disagree (comparison.csv's `noisy`), and, when
              comparison.csv has those columns, the cells measured under load
              (reps_interfered) or implausible
  lesson      lesson.md's table, for bench/lesson.py folders
  provenance  every folder's provenance.txt

Statistics are comparison.csv's (hetmc's), never computed here: each folder's own when it
describes its runs.csv, else derived by `hetmc summarize`; every input is first checked by
`hetmc compare` (its rules, its one line). --out is written as hetmc writes: a regular file
through a unique temporary file renamed into place; a FIFO or a device (/dev/stdout,
/dev/full) written through, checked; a symbolic link or a folder refused.

Exit status: 0 written, 1 an output could not be written, 2 bad usage or bad input (one line
on stderr, never a traceback).
"""
import argparse
import csv
import html
import io
import math
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import findings  # noqa: E402  (scripts/findings.py: the findings in words)
import hetmc_data  # noqa: E402  (what the tools ask hetmc)
import plot  # noqa: E402  (scripts/plot.py: the figures and the cells of a folder)
from hetmc_data import Fail  # noqa: E402
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
ul.findings li{margin:.3em 0}
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
        for fig in plot.FIGURES:
            fig(folders, tmp, made)
        for k, name in enumerate(made):
            out.append((name, inline_svg(os.path.join(tmp, name + ".svg"), "f%d" % k)))
    return out


# ---- the sections -----------------------------------------------------------------------------

def under_load(c):
    """How a cell's repetitions met other programs: "" (none interfered, or not measured),
    "k re-measured" (k interfered, left out), or "ALL k" (no clean one: figures under load)."""
    k = c.get("reps_interfered")
    if not k or k != k:
        return ""
    return "ALL %d" % k if c.flag("under_load") else "%d re-measured" % k


def cells_table(f):
    """The comparison of one folder (comparison.csv's rows), and its doubtful cells."""
    rows, classes, doubtful = [], [], []
    for c in sorted(f.cells.values(), key=lambda c: (plot.order(((c.backend, c.device,
                                                                   c.workers), None)), c.samples)):
        med, base = c.stat("wall"), f.baseline(c.backend).get(c.samples)
        match = {"true": "yes", "false": "NO"}.get(c.row.get("hits_match", ""), "")
        why = findings.doubts(c)
        if why:
            doubtful.append((c, ", ".join(why)))
        rows.append([c.backend, c.device or "(mpi)", c.workers, plot.pow2(c.samples), c.reps,
                     fmt(med, "%.4g"), fmt(c.get("iqr_wall_s"), "%.2g"),
                     fmt(c.get("samples_per_s"), "%.3g"),
                     fmt(base / med if base else None, "%.3g"), fmt(c.get("cv_wall"), "%.2f"),
                     fmt(c.get("foreign_cpu_median"), "%.2f"), under_load(c), match])
        classes.append("bad" if match == "NO" else ("noisy" if why else ""))
    head = ["backend", "device", "workers", "N", "ok reps", "median wall (s)", "IQR (s)",
            "samples/s", "speed-up", "cv", "foreign load (cores)", "under load", "hits = serial's"]
    return table(head, rows, left=2, classes=classes), doubtful


def compare_rows(hetmc, a, b):
    """`hetmc compare --format csv A B` as rows, or the line it said."""
    try:
        text = hetmc_data.ask([hetmc, "compare", "--format", "csv", a, b], "hetmc compare")
    except Fail as e:
        return str(e)
    return list(csv.reader(io.StringIO(text)))


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
        rows = compare_rows(hetmc, folders[0].path, f.path)
        if isinstance(rows, str):
            parts.append("<p>hetmc compare said: %s</p>" % esc(rows))
            continue
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
        lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
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
            rows = [ln.partition(":")[::2] for ln in open(
                path, encoding="utf-8", errors="replace").read().splitlines() if ":" in ln]
        parts.append("<h3>%s</h3>" % esc(f.label))
        parts.append(table(["key", "value"], [[k.strip(), v.strip()] for k, v in rows], left=2)
                     if rows else "<p>no provenance.txt in %s</p>" % esc(f.path))
    parts.append("</section>")
    return "\n".join(parts)


def findings_section(found):
    items = "".join("<li>%s%s</li>" % (esc(text), ' <a href="#fig-%s">(figure: %s)</a>' % (
        fig, fig) if fig else "") for text, fig, _ in found)
    return ('<section id="findings"><h2>Findings</h2><ul class="findings">%s</ul>'
            '<p class="note">Each from comparison.csv (medians of the ok repetitions; speed-up '
            'over the serial of the same kind: py-* over py-serial, numba over py-numba).</p>'
            '</section>' % items)


def doubtful_section(doubtful):
    rows = [[chr(65 + f.index), c.backend, c.device, c.workers, plot.pow2(c.samples), c.reps,
             why] for f, c, why in doubtful]
    return ('<section id="noisy"><h2>Noisy cells</h2><p class="note">%d cell%s whose '
            'repetitions disagree (comparison.csv\'s noisy column), or, where comparison.csv '
            'says so, measured under load or implausible: repeat them on a quiet machine.</p>%s'
            '</section>' % (len(doubtful), "" if len(doubtful) == 1 else "s",
                            table(["", "backend", "device", "workers", "N", "ok reps", "why"],
                                  rows, left=3) if rows else ""))


def page(folders, hetmc, found):
    figs = figures(folders)
    tables, doubtful = [], []
    for f in folders:
        t, n = cells_table(f)
        tables.append("<h3>%s</h3>%s" % (esc(f.label), t))
        doubtful += [(f, c, why) for c, why in n]
    summary = table(["", "folder", "host, CPU, devices", "ok cells"],
                    [[chr(65 + f.index), f.path, f.label, len(f.cells)] for f in folders], left=3)
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>hetmc report</title><style>%s</style></head><body>" % STYLE,
           '<section id="summary"><h1>hetmc report</h1>%s</section>' % summary,
           findings_section(found), '<section id="figures"><h2>Figures</h2>']
    for name, svg in figs:
        out.append('<figure id="fig-%s"><figcaption>%s</figcaption>%s</figure>' % (
            name, esc(CAPTIONS.get(name, name)), svg))
    out += ["</section>", compare_section(folders, hetmc),
            '<section id="comparison"><h2>Comparison, per folder</h2>%s</section>' %
            "\n".join(tables), doubtful_section(doubtful),
            lesson_section(folders), provenance_section(folders), "</body></html>"]
    return "\n".join(x for x in out if x)


def main(argv):
    p = argparse.ArgumentParser(prog="report.py", description=__doc__.split("\n\n")[0])
    p.add_argument("dirs", nargs="+", metavar="DIR", help="results folders (with runs.csv)")
    p.add_argument("--out", required=True, help="the HTML file to write")
    p.add_argument("--summary-md", metavar="PATH", help="also write the findings as Markdown")
    p.add_argument("--hetmc", help="the hetmc binary (default: build/hetmc of this checkout, "
                   "else hetmc on PATH)")
    p.error = lambda msg: (_ for _ in ()).throw(Fail(msg))
    a = p.parse_args(argv)
    for path in [a.out] + ([a.summary_md] if a.summary_md else []):
        if os.path.isdir(path) or os.path.islink(path):
            hetmc_data.write_file(path, b"")  # its one line: a folder or a link is refused
    folders = plot.load(a.dirs, a.hetmc)
    hetmc = hetmc_data.find_hetmc(a.hetmc)
    found = findings.all_findings(folders)
    hetmc_data.write_file(a.out, page(folders, hetmc, found))
    if a.summary_md:
        hetmc_data.write_file(a.summary_md, findings.markdown(folders, found))
    print("report.py: %s%s" % (a.out, " and " + a.summary_md if a.summary_md else ""))
    return 0


if __name__ == "__main__":
    sys.exit(hetmc_data.run_main("report.py", main, sys.argv[1:]))
