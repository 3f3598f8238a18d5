#!/usr/bin/python3
"""lesson.py - the Python lesson hetmc grew from, measured on hetmc's own stream, beside hetmc.

The lesson estimates pi by sampling points with calc_pi and runs it with threading.Thread (no
speed-up while the GIL is held), with multiprocessing.Process and a Queue for the results, with
Pool.starmap over batches, under the start methods spawn, fork and forkserver (whose start-up
pays off only once N is large enough), and with numba (njit, and nogil=True threads that run
free of the GIL). Here every variant counts exactly hetmc's samples: Philox4x32-10 written in
Python and in numba (docs/STREAM.md), checked against Random123's known-answer vectors and the
golden counts before anything is timed, so every hit count equals hetmc's serial count.

  /usr/bin/python3 bench/lesson.py [--samples LIST] [--workers LIST] [--seed S] [--reps R]
                                   [--out DIR] [--variants LIST] [--python-max N]
                                   [--tasks T] [--hetmc PATH|none] [--quiet]

One command, one folder (DIR, default results/lesson-<UTC time>/):
  runs.csv        hetmc's CSV contract (format_version 2, the header of `hetmc run --format
                  csv`): the Python rows and, unless --hetmc none, hetmc's rows of the same
                  sizes (serial, threads, openmp, fork, forkserver, spawn, pool; one
                  `hetmc run --reps 1` per repetition, with its own untimed warm-up), so that
                  `hetmc compare`, scripts/plot.py and scripts/report.py read them together;
  provenance.txt  hetmc's provenance (`hetmc --version`) plus the Python version, numba's, the
                  checks, the command and the load average before and after;
  lesson.md       speed-up over serial against N per variant, the break-even N, start-up;
  figures and report.html (scripts/plot.py, scripts/report.py) when matplotlib is installed.

Variants (the backend column; W = workers):
  py-serial                 pure Python, one thread (workers 1 only)
  py-threading              W threading.Threads, one contiguous slice each (the GIL)
  py-process-METHOD         W multiprocessing.Process started per run with METHOD (spawn,
                            fork, forkserver), counts back through one Queue
  py-pool-METHOD            a Pool(W) of METHOD created once per W (create_s: Pool() until
                            every worker ran its initializer), Pool.starmap over T tasks per
                            run (--tasks; default W), chunksize 1
  py-numba                  numba.njit, one thread (workers 1 only); build_s = JIT compile
  py-numba-nogil            W threading.Threads calling njit(nogil=True): free of the GIL
  py-numpy                  the stream vectorised in NumPy uint64 arithmetic (exact: 32x32->64
                            multiplies), 2^16 blocks a batch (a few MB), one thread
  py-numpy-threading        W threading.Threads running py-numpy on their slices: NumPy
                            releases the GIL inside its array loops, Python between them does not
NumPy variants run up to 64 x --python-max samples (default 2^24).
Pure-Python variants run up to --python-max samples (default 2^18: about 0.35 M samples/s
here, so 2^18 takes under a second); ask for more with --python-max 2^22.

Method, as hetmc's: each variant is prepared once per W (pools created, numba compiled), runs
once untimed per N (warm-up), then R timed repetitions, taken in rounds: each round runs every
variant and every hetmc cell once, so that a load that drifts over the minutes falls on all of
them alike (the pools stay alive meanwhile). wall_s is time.monotonic() (CLOCK_MONOTONIC)
around the run; setup_s runs to the latest worker's start of compute, compute_s is the slowest
worker's compute, collect_s from the last finish to the results gathered. Every count must lie
within 6 standard errors of pi (N >= 1000) and equal hetmc's serial count (else the row is
`failed` and the exit status 1). Bad arguments: exit 2, one line on stderr.
"""
import argparse
import csv
import datetime
import io
import json
import math
import multiprocessing as mp
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METHODS = ("spawn", "fork", "forkserver")
PURE = ["py-serial", "py-threading"] + ["py-%s-%s" % (k, m) for k in ("process", "pool")
                                        for m in METHODS]
NUMBA = ["py-numba", "py-numba-nogil"]
NUMPY = ["py-numpy", "py-numpy-threading"]
NUMPY_FACTOR = 64  # NumPy variants run up to this times --python-max
VARIANTS = PURE + NUMBA + NUMPY
ONE_WORKER = ("py-serial", "py-numba", "py-numpy")
C_FAMILIES = ("threads", "openmp", "procs")  # hetmc's backends on the host's cores
TIMER = "python-time.monotonic"
LIMIT_S = 3600.0  # a worker that has not answered by then has hung

# ---- Philox4x32-10 (docs/STREAM.md), pure Python ---------------------------------------------
M0, M1, W0, W1, MASK = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85, 0xFFFFFFFF


def round_keys(k0, k1):
    """The ten round keys: the key, bumped by the Weyl constants before rounds 1 to 9."""
    keys = []
    for _ in range(10):
        keys.append((k0, k1))
        k0, k1 = (k0 + W0) & MASK, (k1 + W1) & MASK
    return keys


def philox(ctr, key):
    """philox4x32_10(ctr, key) on four and two 32-bit words."""
    c0, c1, c2, c3 = ctr
    for k0, k1 in round_keys(*key):
        p0, p1 = M0 * c0, M1 * c2
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & MASK, (p0 >> 32) ^ c3 ^ k1, p0 & MASK
    return c0, c1, c2, c3


def count_py(seed, first, count):
    """Hits among samples [first, first + count): block j gives samples 2j (r0, r1) and 2j + 1
    (r2, r3); a sample (x, y) is a hit when x^2 + y^2 < 2^64, in exact integers."""
    keys = round_keys(seed & MASK, seed >> 32)
    end, lim, hits = first + count, 1 << 64, 0
    for j in range(first >> 1, (end + 1) >> 1):
        c0, c1, c2, c3 = j & MASK, j >> 32, 0, 0
        for k0, k1 in keys:
            p0, p1 = M0 * c0, M1 * c2
            c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & MASK, (p0 >> 32) ^ c3 ^ k1, p0 & MASK
        if 2 * j >= first and c0 * c0 + c1 * c1 < lim:
            hits += 1
        if 2 * j + 1 < end and c2 * c2 + c3 * c3 < lim:
            hits += 1
    return hits


# ---- the same in NumPy (imported only by the NumPy variants) ----------------------------------
BATCH = 1 << 16  # Philox blocks per NumPy batch: 2 samples each, a few MB of uint64 arrays


def philox_np(np, c, keys):
    """philox4x32_10 on uint64 arrays c = [c0, c1, c2, c3] holding 32-bit words (products of
    two 32-bit words fit uint64 exactly), with the round keys as uint64 scalars."""
    c0, c1, c2, c3 = c
    m0, m1, s32, mask = np.uint64(M0), np.uint64(M1), np.uint64(32), np.uint64(MASK)
    for k0, k1 in keys:
        p0, p1 = m0 * c0, m1 * c2
        c0, c1, c2, c3 = (p1 >> s32) ^ c1 ^ k0, p1 & mask, (p0 >> s32) ^ c3 ^ k1, p0 & mask
    return c0, c1, c2, c3


def numpy_kernels():
    """(count, philox) in NumPy; ImportError without NumPy."""
    import numpy as np
    top = np.uint64(2**64 - 1)

    def ph(ctr, key):
        keys = [(np.uint64(a), np.uint64(b)) for a, b in round_keys(*key)]
        out = philox_np(np, [np.array([x], dtype=np.uint64) for x in ctr], keys)
        return tuple(int(w[0]) for w in out)

    def hits_of(x, y):  # x^2 + y^2 < 2^64, without overflow: x^2 <= 2^64 - 1 - y^2
        return x * x <= top - y * y

    def count(seed, first, n):
        keys = [(np.uint64(a), np.uint64(b)) for a, b in round_keys(seed & MASK, seed >> 32)]
        end, hits = first + n, 0
        for j0 in range(first >> 1, (end + 1) >> 1, BATCH):
            j = np.arange(j0, min(j0 + BATCH, (end + 1) >> 1), dtype=np.uint64)
            zero = np.zeros_like(j)
            c0, c1, c2, c3 = philox_np(np, [j & np.uint64(MASK), j >> np.uint64(32), zero, zero],
                                       keys)
            h0, h1 = hits_of(c0, c1), hits_of(c2, c3)
            h0 &= 2 * j >= np.uint64(first)
            h1 &= 2 * j + np.uint64(1) < np.uint64(end)
            hits += int(np.count_nonzero(h0)) + int(np.count_nonzero(h1))
        return hits
    return count, ph


# ---- the same in numba (imported only by the numba variants) ---------------------------------
_NUMBA = {}


def numba_kernels():
    """(count, philox) compiled with numba.njit(nogil=True); raises ImportError without numba."""
    if "count" in _NUMBA:
        return _NUMBA["count"], _NUMBA["philox"]
    import numpy as np
    from numba import njit

    u = np.uint64

    @njit(nogil=True, cache=False)
    def nb_philox(c0, c1, c2, c3, k0, k1):
        mask, s32 = u(0xFFFFFFFF), u(32)
        for _ in range(10):
            p0, p1 = u(0xD2511F53) * c0, u(0xCD9E8D57) * c2
            n0, n2 = (p1 >> s32) ^ c1 ^ k0, (p0 >> s32) ^ c3 ^ k1
            c0, c1, c2, c3 = n0, p1 & mask, n2, p0 & mask
            k0, k1 = (k0 + u(0x9E3779B9)) & mask, (k1 + u(0xBB67AE85)) & mask
        return c0, c1, c2, c3

    @njit(nogil=True, cache=False)
    def nb_count(seed, first, count):
        mask, s32, one = u(0xFFFFFFFF), u(32), u(1)
        end, hits = first + count, u(0)
        for j in range(first >> one, (end + one) >> one):
            j = u(j)
            c0, c1, c2, c3 = nb_philox(j & mask, j >> s32, u(0), u(0), seed & mask, seed >> s32)
            if j << one >= first and c1 * c1 <= ~(c0 * c0):
                hits += one
            if (j << one) + one < end and c3 * c3 <= ~(c2 * c2):
                hits += one
        return hits

    def count(seed, first, n):
        return int(nb_count(u(seed), u(first), u(n)))

    def ph(ctr, key):
        return tuple(int(v) for v in nb_philox(*(u(c) for c in ctr), u(key[0]), u(key[1])))

    _NUMBA.update(count=count, philox=ph, version=sys.modules["numba"].__version__)
    return count, ph


# ---- the checks before anything is timed ------------------------------------------------------

def kat_vectors():
    """Random123's philox4x32 10-round vectors from tests/data/kat_vectors_philox.txt."""
    out = []
    with open(os.path.join(REPO, "tests", "data", "kat_vectors_philox.txt")) as f:
        for line in f:
            w = line.split()
            if len(w) == 12 and w[0] == "philox4x32" and w[1] == "10":
                v = [int(x, 16) for x in w[2:]]
                out.append((tuple(v[0:4]), tuple(v[4:6]), tuple(v[6:10])))
    return out


def golden_counts():
    """(seed, N, hits) from the golden table of docs/STREAM.md."""
    out, table = [], False
    with open(os.path.join(REPO, "docs", "STREAM.md")) as f:
        for line in f:
            table = table or line.startswith("## Golden counts")
            m = re.match(r"\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|", line) if table else None
            if m:
                out.append(tuple(int(x) for x in m.groups()))
    return out


def self_check(name, count, ph, max_n):
    """Known answers, then every golden count up to max_n samples; raises on a mismatch."""
    kats, goldens = kat_vectors(), golden_counts()
    if not kats or not goldens:
        raise RuntimeError("no known-answer vectors or golden counts found under %s" % REPO)
    for ctr, key, want in kats:
        if ph(ctr, key) != want:
            raise RuntimeError("%s: philox4x32_10(%s, %s) is not Random123's %s" %
                               (name, ctr, key, want))
    checked = 0
    for seed, n, hits in goldens:
        if n <= max_n:
            got = count(seed, 0, n)
            if got != hits:
                raise RuntimeError("%s: %d hits for seed %d, N %d; docs/STREAM.md says %d" %
                                   (name, got, seed, n, hits))
            checked += 1
    return "%s: %d known-answer vectors and %d golden counts exact" % (name, len(kats), checked)


# ---- the workers (module level: spawn and forkserver import them) ------------------------------

def slices(first, count, parts):
    """[first, first + count) in `parts` contiguous slices differing by at most one (hm_slice)."""
    base, extra = divmod(count, parts)
    return [(first + base * k + min(k, extra), base + (1 if k < extra else 0))
            for k in range(parts)]


def _timed(fn, seed, a, n):
    t0 = time.monotonic()
    hits = fn(seed, a, n)
    return hits, t0, time.monotonic()


def _process_worker(queue, k, seed, a, n):
    queue.put((k,) + _timed(count_py, seed, a, n))


def _pool_ready(barrier):
    barrier.wait()


def _pool_task(seed, a, n):
    return (os.getpid(),) + _timed(count_py, seed, a, n)


# ---- the variants: prepare(workers), run(seed, n) -> result, release() ------------------------

def phases(t0, t_end, parts):
    """setup, compute, collect from per-worker (start, end, busy) as hetmc defines them."""
    ready = max([t0] + [p[0] for p in parts])
    last = max([t0] + [p[1] for p in parts])
    return ready - t0, max([0.0] + [p[2] for p in parts]), max(0.0, t_end - last)


class Serial:
    def __init__(self, count):
        self.count = count

    def prepare(self, workers):
        pass

    def run(self, seed, n):
        t0 = time.monotonic()
        hits = self.count(seed, 0, n)
        t1 = time.monotonic()
        return {"hits": hits, "setup_s": 0.0, "compute_s": t1 - t0, "collect_s": 0.0}

    def release(self):
        pass


class Threads:
    """W threading.Threads, one slice each, calling `count` (GIL-bound, or numba nogil)."""

    def __init__(self, count):
        self.count, self.workers = count, 1

    def prepare(self, workers):
        self.workers = workers

    def run(self, seed, n):
        out = [None] * self.workers
        t0 = time.monotonic()

        def work(k, a, m):
            out[k] = _timed(self.count, seed, a, m)

        threads = [threading.Thread(target=work, args=(k, a, m))
                   for k, (a, m) in enumerate(slices(0, n, self.workers))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        t_end = time.monotonic()
        if any(o is None for o in out):
            raise RuntimeError("a thread ended without its count")
        s, c, g = phases(t0, t_end, [(o[1], o[2], o[2] - o[1]) for o in out])
        return {"hits": sum(o[0] for o in out), "setup_s": s, "compute_s": c, "collect_s": g}

    def release(self):
        pass


class Processes:
    """multiprocessing.Process per worker per run, results through one Queue."""

    def __init__(self, method):
        self.ctx, self.workers = mp.get_context(method), 1

    def prepare(self, workers):
        self.workers = workers

    def run(self, seed, n):
        t0 = time.monotonic()
        queue = self.ctx.Queue()
        procs = [self.ctx.Process(target=_process_worker, args=(queue, k, seed, a, m))
                 for k, (a, m) in enumerate(slices(0, n, self.workers))]
        for p in procs:
            p.start()
        try:
            got = [queue.get(timeout=LIMIT_S) for _ in procs]
        finally:
            for p in procs:
                p.join(LIMIT_S)
        t_end = time.monotonic()
        bad = [p.exitcode for p in procs if p.exitcode != 0]
        if bad:
            raise RuntimeError("worker processes exited with %s" % bad)
        s, c, g = phases(t0, t_end, [(r[2], r[3], r[3] - r[2]) for r in got])
        return {"hits": sum(r[1] for r in got), "setup_s": s, "compute_s": c, "collect_s": g}

    def release(self):
        pass


class Pool:
    """A Pool(W) created once; each run is Pool.starmap over T tasks, chunksize 1."""

    def __init__(self, method, tasks):
        self.ctx, self.tasks, self.pool, self.workers = mp.get_context(method), tasks, None, 1
        self.create_s = math.nan

    def prepare(self, workers):
        self.workers = workers
        barrier = self.ctx.Barrier(workers + 1)
        t0 = time.monotonic()
        self.pool = self.ctx.Pool(workers, initializer=_pool_ready, initargs=(barrier,))
        barrier.wait(timeout=LIMIT_S)  # every worker started and ran its initializer
        self.create_s = time.monotonic() - t0

    def run(self, seed, n):
        t = self.tasks or self.workers
        t0 = time.monotonic()
        got = self.pool.starmap(_pool_task, [(seed, a, m) for a, m in slices(0, n, t)],
                                chunksize=1)
        t_end = time.monotonic()
        per = {}
        for pid, hits, start, end in got:  # per worker: first start, last end, summed compute
            s, e, busy = per.get(pid, (start, end, 0.0))
            per[pid] = (min(s, start), max(e, end), busy + end - start)
        s, c, g = phases(t0, t_end, list(per.values()))
        return {"hits": sum(r[1] for r in got), "setup_s": s, "compute_s": c, "collect_s": g,
                "tasks": t if self.tasks else None, "create_s": self.create_s}

    def release(self):
        if self.pool:
            self.pool.close()
            self.pool.join()
            self.pool = None


def make_variant(name, tasks):
    """The variant object of a backend name; numba ones raise ImportError without numba."""
    if name in NUMBA:
        count, _ = numba_kernels()
        return Serial(count) if name == "py-numba" else Threads(count)
    if name in NUMPY:
        count, _ = numpy_kernels()
        return Serial(count) if name == "py-numpy" else Threads(count)
    if name == "py-serial":
        return Serial(count_py)
    if name == "py-threading":
        return Threads(count_py)
    kind, method = name.split("-")[1:3]
    return Processes(method) if kind == "process" else Pool(method, tasks)


# ---- one cell: warm-up, repetitions, validation, rows -----------------------------------------

def validate(hits, n):
    """(ok, sigmas): within 6 standard errors of pi for N >= 1000, as hetmc's hm_validate."""
    if hits > n:
        return False, math.nan
    if n == 0:
        return True, math.nan
    p = hits / n
    se = 4 * math.sqrt(p * (1 - p) / n)
    dist = abs(4 * p - math.pi)
    sig = dist / se if se > 0 else (math.inf if dist > 0 else 0.0)
    return (n < 1000 or sig <= 6.0), sig


def num(v, fmt="%.9g"):
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt % v


def csv_schema(hetmc):
    """(format_version, the runs.csv columns in order) from `hetmc schema --format json`; with
    --hetmc none, from docs/csv.md's column reference, which a test keeps equal to it."""
    if hetmc != "none":
        text = subprocess.run([hetmc, "schema", "--format", "json", "--file", "runs"],
                              capture_output=True, text=True, check=True).stdout
        schema = json.loads(text)
        return schema["format_version"], [c["name"] for c in schema["runs"]]
    version, names, table = None, [], None
    with open(os.path.join(REPO, "docs", "csv.md")) as f:
        for line in f:
            if line.startswith("### "):
                table = line.split()[1]
                if table == "runs.csv" and "format_version" in line:
                    version = int(line.split("format_version")[1].strip(" ()\n"))
            elif table == "runs.csv" and line.startswith("| `"):
                names.append(line.split("`")[1])
    return version, names


class Writer:
    """Rows of hetmc's CSV contract into one file, flushed row by row."""

    def __init__(self, path, hetmc):
        self.version, self.header = csv_schema(hetmc)
        self.f = open(path, "w", newline="")
        self.w = csv.writer(self.f, lineterminator="\n")
        self.w.writerow(self.header)
        self.host = socket.gethostname()

    def raw(self, r):
        """A row hetmc wrote (a dict of its CSV), as it is."""
        self.w.writerow([r.get(h, "") for h in self.header])
        self.f.flush()

    def row(self, backend, workers, n, seed, rep, status, res, wall, note, build_s):
        when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        hits = res.get("hits") if res else None
        est = 4 * hits / n if hits is not None and n else None
        ok = status == "ok"
        r = {"format_version": self.version, "timestamp_utc": when, "host": self.host,
             "backend": backend, "device": "cpu", "workers": workers, "samples": n, "seed": seed,
             "rep": rep, "status": status, "hits": "" if hits is None else hits,
             "pi_estimate": num(est, "%.17g"),
             "abs_error": num(abs(est - math.pi) if est is not None else None, "%.17g"),
             "wall_s": num(wall), "note": note, "timer": TIMER, "build_s": num(build_s),
             "samples_per_s": num(n / wall if ok and wall else None, "%.6g"),
             "sigmas": num(res.get("sigmas") if res else None, "%.4g"), "calls": 1,
             "tasks": (res or {}).get("tasks") or "", "create_s": num((res or {}).get("create_s"))}
        for k in ("setup_s", "compute_s", "collect_s"):
            r[k] = num(res.get(k)) if res else ""
        self.w.writerow([r.get(h, "") for h in self.header])
        self.f.flush()

    def close(self):
        self.f.close()


def measure(variant, seed, n):
    """One run: (result, wall seconds), or (None, wall) with the error as a string."""
    t0 = time.monotonic()
    try:
        res = variant.run(seed, n)
    except Exception as e:  # a failed worker fails the row, never the lesson
        return None, time.monotonic() - t0, "%s: %s" % (type(e).__name__, e)
    return res, time.monotonic() - t0, ""


def checked(res, n, ref):
    """The row's status and note after hetmc's two checks."""
    ok, res["sigmas"] = validate(res["hits"], n)
    if not ok:
        return "failed", "validation failed: %.3g standard errors from pi" % res["sigmas"]
    if ref is not None and res["hits"] != ref[0]:
        return "failed", "hits %d differ from %s %d" % (res["hits"], ref[1], ref[0])
    return "ok", ""


class Cell:
    """One variant at one worker count, prepared once for every N."""

    def __init__(self, name, workers, variant, build_s):
        self.name, self.workers, self.variant, self.build_s = name, workers, variant, build_s

    def runs(self, n, python_max):
        return sizes_of(self.name, [n], python_max) == [n]

    def row(self, out, n, seed, rep, res, wall, status, note):
        out.row(self.name, self.workers, n, seed, rep, status, res, wall, note, self.build_s)

    def warm(self, out, n, args, ref):
        """The untimed warm-up. Returns the count every repetition must equal, or None (and a
        failed row) when it failed."""
        res, wall, err = measure(self.variant, args.seed, n)
        status, note = ("failed", err) if res is None else checked(res, n, ref)
        if status != "ok":
            self.row(out, n, args.seed, 0, res, wall, "failed", "the untimed warm-up failed: " +
                     note)
            return None
        return ref or (res["hits"], "the warm-up's")

    def run(self, out, n, args, rep, want):
        """One timed repetition. Returns 1 when it failed."""
        res, wall, err = measure(self.variant, args.seed, n)
        status, note = ("failed", err) if res is None else checked(res, n, want)
        self.row(out, n, args.seed, rep, res, wall, status, note)
        return int(status != "ok")


def run_size(out, cells, n, args, ref):
    """Every cell at N: the untimed warm-ups, then R rounds in which each cell runs once, so
    that a load that drifts over the minutes falls on every variant alike (hetmc's cells warm
    up in each of their runs). Returns the failed rows."""
    live, failed = [], 0
    for c in cells:
        want = c.warm(out, n, args, ref) if isinstance(c, Cell) else ref
        if isinstance(c, Cell) and want is None:
            failed += 1
        else:
            live.append((c, want))
    for rep in range(1, args.reps + 1):
        say(args.quiet, "lesson: N = %s, round %d of %d, %d cells" % (pow2(n), rep, args.reps,
                                                                     len(live)))
        for c, want in live:
            failed += c.run(out, n, args, rep, want)
    return failed


# ---- hetmc's side: the C rows of the same sizes -----------------------------------------------

def hetmc_backends(hetmc):
    """[(name, is the reference)] of this hetmc's backends on the host's cores (threads,
    OpenMP, processes), in its order (hetmc --list-backends)."""
    text = subprocess.run([hetmc, "--list-backends"], capture_output=True, text=True,
                          check=True).stdout
    return [(r["name"], "reference" in r["flags"].split()) for r in csv.DictReader(
        io.StringIO(text)) if r["family"] in C_FAMILIES]


def hetmc_csv(hetmc, backend, workers, n, seed):
    """One `hetmc run --reps 1 --format csv` (its own untimed warm-up, then one timed, validated
    run): its rows as dicts, and its exit status."""
    r = subprocess.run([hetmc, "run", "--backend", backend, "--workers", str(workers),
                        "--samples", str(n), "--seed", str(seed), "--reps", "1", "--format",
                        "csv"], capture_output=True, text=True)
    if r.returncode == 130:
        raise KeyboardInterrupt
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    if r.returncode not in (0, 1) or not rows:
        raise RuntimeError("hetmc run --backend %s exited %d: %s" % (backend, r.returncode,
                                                                     r.stderr.strip()))
    return rows, r.returncode


def hetmc_refs(hetmc, args):
    """{N: (hetmc serial's hits, whose)}: what every row of the lesson must count."""
    refs = {}
    for n in args.samples:
        rows, rc = hetmc_csv(hetmc, "serial", 1, n, args.seed)
        if rc == 0:
            refs[n] = (int(rows[-1]["hits"]), "hetmc serial's")
    return refs


class HetmcCell:
    """One of hetmc's backends at one worker count; each run is one `hetmc run` process."""

    def __init__(self, hetmc, backend, workers):
        self.hetmc, self.name, self.workers = hetmc, backend, workers

    def runs(self, n, python_max):
        return True

    def run(self, out, n, args, rep, want):
        """One timed repetition, written as round `rep`. Returns 1 when it failed."""
        rows, rc = hetmc_csv(self.hetmc, self.name, self.workers, n, args.seed)
        bad = rc != 0
        for r in rows:
            r["rep"] = str(rep) if r["rep"] != "0" else "0"
            if r["status"] == "ok" and want and r["hits"] != str(want[0]):
                r["status"], r["note"] = "failed", "hits %s differ from %s %d" % (
                    r["hits"], want[1], want[0])
                bad = True
            out.raw(r)
        return int(bad)


# ---- the command line ------------------------------------------------------------------------

class Parser(argparse.ArgumentParser):
    """Bad usage: one line on stderr naming the argument, exit 2 (as hetmc)."""

    def error(self, message):
        sys.stderr.write("lesson.py: %s\n" % message)
        sys.exit(2)


SUFFIX = {"": 1, "K": 10**3, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15,
          "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50}


def number(text):
    """hetmc's number forms: 1000000, 1e6, 2^20, 100M, 64Ki."""
    m = re.fullmatch(r"(\d+)\^(\d+)", text)
    if m:
        return int(m.group(1)) ** int(m.group(2))
    m = re.fullmatch(r"(\d+(?:\.\d+)?(?:[eE]\d+)?)(|[kKMGTP]|[KMGTP]i)", text)
    if not m:
        raise ValueError(text)
    v = float(m.group(1)) * SUFFIX[m.group(2)]
    if v != int(v) or v > 2**63:
        raise ValueError(text)
    return int(v)


def number_list(text):
    """1,2,4 or A..B or A..BxF, as hetmc matrix takes them."""
    out = []
    for item in text.split(","):
        lo, dots, hi = item.partition("..")
        factor = 0
        if dots and re.search(r"x\d+$", hi):
            hi, factor = hi.rsplit("x", 1)[0], int(hi.rsplit("x", 1)[1])
        a, b = number(lo), number(hi) if dots else number(lo)
        if a > b or (dots and factor == 1) or (factor and a == 0):
            raise ValueError(item)
        while a <= b:
            out.append(a)
            a = a * factor if factor else a + 1
    return out


def parse(argv):
    p = Parser(prog="lesson.py", description=__doc__.split("\n\n")[0])
    cores = os.cpu_count() or 1
    p.add_argument("--samples", default="2^10..2^26x4", help="sample sizes (default 2^10..2^26x4)")
    p.add_argument("--workers", default="1,%d" % cores if cores > 1 else "1",
                   help="workers (default 1 and the cores)")
    p.add_argument("--seed", default="42", help="the stream's seed (default 42)")
    p.add_argument("--reps", default="3", help="timed repetitions after the warm-up (default 3)")
    p.add_argument("--out", help="the folder (default results/lesson-<UTC time>)")
    p.add_argument("--variants", default=",".join(VARIANTS), help="which (default: all)")
    p.add_argument("--python-max", default="2^18",
                   help="largest N for the pure-Python variants (default 2^18)")
    p.add_argument("--tasks", default="0", help="Pool.starmap tasks per run (default: W)")
    p.add_argument("--hetmc", default=os.path.join(REPO, "build", "hetmc"),
                   help="the hetmc binary for the C rows, or none (default build/hetmc)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    a = p.parse_args(argv)
    for opt, lo, hi, conv in (("samples", 0, 2**63, number_list), ("workers", 1, 1024, number_list),
                              ("seed", 0, 2**64 - 1, number), ("reps", 1, 10**6, number),
                              ("python_max", 0, 2**63, number), ("tasks", 0, 10**6, number)):
        text = getattr(a, opt)
        try:
            v = conv(text)
        except (ValueError, KeyError):
            p.error("--%s '%s' is not a number or list; accepted: 1000, 1e6, 2^20, 64Ki, lists "
                    "1,2 and ranges A..B or A..BxF" % (opt.replace("_", "-"), text))
        if any(not lo <= x <= hi for x in (v if isinstance(v, list) else [v])):
            p.error("--%s '%s' is out of range; accepted: %d to %d" %
                    (opt.replace("_", "-"), text, lo, hi))
        setattr(a, opt, v)
    a.variants = a.variants.split(",")
    for v in a.variants:
        if v not in VARIANTS:
            p.error("--variants: '%s' is not a variant; accepted: %s" % (v, ", ".join(VARIANTS)))
    if a.hetmc != "none" and not os.access(a.hetmc, os.X_OK):
        p.error("--hetmc '%s' is not an executable hetmc; build it (bash scripts/setup.sh) or "
                "pass --hetmc none" % a.hetmc)
    return a


def say(quiet, text):
    if not quiet:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


def prepare_variant(name, tasks, workers):
    """(variant, build_s, why-skipped); numba compiles here (build_s) with its self-check."""
    try:
        v = make_variant(name, tasks)
    except ImportError as e:
        what = "numpy" if name in NUMPY else "numba"
        return None, None, "unavailable: %s is not installed (Debian: python3-%s): %s" % (
            what, what, e)
    build_s = None
    if name in NUMBA and "build_s" not in _NUMBA:
        t0 = time.monotonic()
        count, ph = numba_kernels()
        count(42, 0, 7)
        _NUMBA["build_s"] = time.monotonic() - t0
        _NUMBA["check"] = self_check("numba", count, ph, 10**8)
    if name in NUMBA:
        build_s = _NUMBA["build_s"]
    if name in NUMPY and "numpy_check" not in _NUMBA:
        count, ph = numpy_kernels()
        _NUMBA["numpy_check"] = self_check("numpy", count, ph, 10**7)
    v.prepare(workers)
    return v, build_s, ""


def sizes_of(name, samples, python_max):
    """The sizes a variant runs: numba all, NumPy up to NUMPY_FACTOR x python_max, pure Python
    up to python_max."""
    limit = math.inf if name in NUMBA else python_max * (NUMPY_FACTOR if name in NUMPY else 1)
    return [n for n in samples if n <= limit]


def hetmc_cells(args):
    """hetmc's cells: its host backends at each worker count (the reference at 1)."""
    if args.hetmc == "none":
        return []
    return [HetmcCell(args.hetmc, b, w) for b, ref in hetmc_backends(args.hetmc)
            for w in ([1] if ref else args.workers)]


def variant_cells(out, args, name):
    """The prepared Cells of one variant, or its `skipped` rows when it is unavailable."""
    cells = []
    for w in ([1] if name in ONE_WORKER else args.workers):
        sizes = sizes_of(name, args.samples, args.python_max)
        if not sizes:
            continue
        v, build_s, why = prepare_variant(name, args.tasks, w)
        if v is None:
            for n in sizes:
                out.row(name, w, n, args.seed, 0, "skipped", None, None, why, None)
            say(args.quiet, "lesson: %s skipped: %s" % (name, why))
            break
        cells.append(Cell(name, w, v, build_s))
    return cells


def prepare_all(out, args):
    """hetmc's cells, then a prepared Cell per variant and worker count (pools created, numba
    compiled); an unavailable variant gets `skipped` rows instead."""
    cells = hetmc_cells(args)
    for name in [v for v in VARIANTS if v in args.variants]:
        cells += variant_cells(out, args, name)
    return cells


def numba_refs(args):
    """Without hetmc, numba's counts (when installed) are the reference every row must equal."""
    try:
        count, _ = numba_kernels()
    except ImportError:
        return {}
    return {n: (count(args.seed, 0, n), "numba's serial") for n in args.samples}


def provenance(out_dir, hetmc, argv, load_before):
    """provenance.txt: hetmc's (`hetmc --version`), or this machine's without hetmc, then the
    Python side's."""
    if hetmc != "none":
        lines = subprocess.run([hetmc, "--version"], capture_output=True,
                               text=True).stdout.splitlines()[1:]
    else:
        lines = ["host: %s" % socket.gethostname(),
                 "os: %s %s %s" % (platform.system(), platform.release(), platform.machine()),
                 "cpu_model: %s" % cpu_model(), "online_cores: %d" % (os.cpu_count() or 1)]
    lines.insert(0, "command: " + " ".join([sys.executable, sys.argv[0]] + argv))
    lines += ["loadavg_at_start: %s" % load_before, "loadavg_at_end: %s" % loadavg(),
              "lesson_python_version: %s" % platform.python_version(),
              "lesson_python_executable: %s" % sys.executable,
              "lesson_numba_version: %s" % _NUMBA.get("version", "not installed"),
              "lesson_checks: %s" % "; ".join(x for x in (_NUMBA.get("py_check"),
                                                          _NUMBA.get("check"),
                                                          _NUMBA.get("numpy_check")) if x)]
    with open(os.path.join(out_dir, "provenance.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def loadavg():
    try:
        return open("/proc/loadavg").read().strip()
    except OSError:
        return "unknown"


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv):
    try:
        return lesson(argv)
    except KeyboardInterrupt:
        sys.stderr.write("lesson.py: interrupted; the finished rows are in runs.csv\n")
        return 130


def lesson(argv):
    args = parse(argv)
    out_dir = args.out or os.path.join(REPO, "results", "lesson-" + datetime.datetime.now(
        datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ"))
    os.makedirs(out_dir, exist_ok=True)
    load_before = loadavg()
    _NUMBA["py_check"] = self_check("python", count_py, philox, 10**4)
    say(args.quiet, "lesson: " + _NUMBA["py_check"])
    refs = hetmc_refs(args.hetmc, args) if args.hetmc != "none" else numba_refs(args)
    out = Writer(os.path.join(out_dir, "runs.csv"), args.hetmc)
    failed, cells = 0, []
    try:
        cells = prepare_all(out, args)
        for n in args.samples:
            failed += run_size(out, [c for c in cells if c.runs(n, args.python_max)], n, args,
                               refs.get(n))
    finally:
        for c in cells:
            if isinstance(c, Cell):
                c.variant.release()
        out.close()
    provenance(out_dir, args.hetmc, argv, load_before)
    say(args.quiet, "lesson: numba " + _NUMBA.get("check", "not run"))
    say(args.quiet, "lesson: numpy " + _NUMBA.get("numpy_check", "not run"))
    write_comparison(out_dir, args.hetmc, args.quiet)
    lesson_md(out_dir, args)
    draw(out_dir, args.hetmc, args.quiet)
    print("lesson.py: %s (runs.csv, provenance.txt, lesson.md%s)" % (
        out_dir, ", figures, report.html" if have_matplotlib() else ""))
    return 1 if failed else 0


# ---- lesson.md and the figures ---------------------------------------------------------------

def medians(path):
    """{(backend, workers, N): (median wall, median setup)}: comparison.csv's (hetmc's) beside
    runs.csv; without hetmc (--hetmc none) the medians of the ok rows."""
    comparison = os.path.join(os.path.dirname(path), "comparison.csv")
    if os.path.exists(comparison):
        with open(comparison, newline="") as f:
            return {(r["backend"], int(r["workers"]), int(r["samples"])):
                    (float(r["median_wall_s"]), float(r["median_setup_s"] or 0))
                    for r in csv.DictReader(f) if int(r["reps_ok"]) > 0}
    cells = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if r["status"] == "ok":
                key = (r["backend"], int(r["workers"]), int(r["samples"]))
                cells.setdefault(key, []).append((float(r["wall_s"]), float(r["setup_s"] or 0)))
    return {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v))
            for k, v in cells.items()}


def baseline(backend):
    """Whose speed a variant is measured against: its own kind's serial."""
    for own in ("py-numba", "py-numpy"):
        if backend.startswith(own):
            return own
    return "py-serial" if backend.startswith("py-") else "serial"


def break_even(speedup):
    """The smallest N from which the speed-up stays above 1 at every larger N, or never."""
    ns = sorted(speedup)
    for i, n in enumerate(ns):
        if all(speedup[x] > 1 for x in ns[i:]):
            return pow2(n)
    return "never"


def lesson_md(out_dir, args):
    """Speed-up over serial against N, the break-even N and the start-up, per variant."""
    m = medians(os.path.join(out_dir, "runs.csv"))
    sizes = sorted({k[2] for k in m})
    rows = sorted({(b, w) for b, w, _ in m}, key=lambda x: (not x[0].startswith("py-"), x))
    lines = ["# The lesson on hetmc's stream", "",
             "Speed-up over serial (median wall) at each N: the pure-Python variants over "
             "py-serial, the numba ones", "over py-numba, the NumPy ones over py-numpy, hetmc's over serial. Break-even: the "
             "smallest N from which the variant beats its", "serial at every larger N measured. "
             "Command: `%s`" % " ".join(["/usr/bin/python3 bench/lesson.py"] + sys.argv[1:]),
             "", "| variant | workers | " + " | ".join(pow2(n) for n in sizes) +
             " | break-even N | median setup_s at its largest N |",
             "|---|---|" + "---|" * len(sizes) + "---|---|"]
    for b, w in rows:
        base = baseline(b)
        sp = {n: m[(base, 1, n)][0] / m[(b, w, n)][0] for n in sizes
              if (b, w, n) in m and (base, 1, n) in m}
        last = max([n for n in sizes if (b, w, n) in m], default=None)
        lines.append("| %s | %d | %s | %s | %s |" % (
            b, w, " | ".join("%.2fx" % sp[n] if n in sp else "-" for n in sizes),
            break_even(sp) if b != base else "-", "%.3g s" % m[(b, w, last)][1] if last else "-"))
    with open(os.path.join(out_dir, "lesson.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def pow2(n):
    return "2^%d" % (n.bit_length() - 1) if n > 0 and n & (n - 1) == 0 else str(n)


def have_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def write_comparison(out_dir, hetmc, quiet):
    """comparison.csv, derived by `hetmc summarize`, as a matrix writes it."""
    if hetmc == "none":
        say(quiet, "lesson: no comparison.csv (--hetmc none)")
        return
    r = subprocess.run([hetmc, "summarize", out_dir], capture_output=True)
    if r.returncode != 0:
        say(False, "lesson: hetmc summarize: %s" % r.stderr.decode(errors="replace").strip())
        return
    with open(os.path.join(out_dir, "comparison.csv"), "wb") as f:
        f.write(r.stdout)


def draw(out_dir, hetmc, quiet):
    """The figures and the report page, when matplotlib is here."""
    if not have_matplotlib():
        say(quiet, "lesson: no matplotlib: no figures (Debian: python3-matplotlib)")
        return
    extra_hetmc = [] if hetmc == "none" else ["--hetmc", hetmc]
    for script, extra in (("plot.py", ["--out", out_dir]),
                          ("report.py", ["--out", os.path.join(out_dir, "report.html")])):
        path = os.path.join(REPO, "scripts", script)
        if os.path.exists(path):
            r = subprocess.run([sys.executable, path, out_dir] + extra + extra_hetmc,
                               stdout=subprocess.DEVNULL if quiet else None)
            if r.returncode != 0:
                say(False, "lesson: %s exited %d (its line above)" % (script, r.returncode))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
