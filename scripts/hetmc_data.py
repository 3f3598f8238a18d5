"""hetmc_data.py - what scripts/plot.py, scripts/report.py and bench/lesson.py ask hetmc.

The Python tools keep no copy of hetmc's facts: the backends and their families come from
`hetmc --list-backends`, the columns from `hetmc schema`, the verdict on an input file from
`hetmc compare` (the same rules, exit 2 and its one line), and every statistic from
comparison.csv: the folder's own when it describes the folder's runs.csv (the same cells and
every column this hetmc writes), else derived by `hetmc summarize`.

Outputs are written as hetmc writes them (write_file): a regular file (or a new one) through
a unique temporary file renamed into place, so that it is whole or absent; any other existing
file that is not a folder or a symbolic link (a FIFO, a terminal, /dev/full) is written
through, checked; a folder or a symbolic link is refused. Every problem is a Fail: one line
and an exit status (1 a write failed, 2 bad usage or bad input), never a traceback.
"""
import csv
import io
import os
import shutil
import stat
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
csv.field_size_limit(min(sys.maxsize, 2 ** 31 - 1))  # hetmc decides what is too long


class Fail(Exception):
    """One line for stderr and the exit status."""

    def __init__(self, msg, status=2):
        super().__init__(msg)
        self.status = status


def find_hetmc(path=None):
    """The hetmc binary: PATH when given (it must run), else build/hetmc of this checkout, else
    `hetmc` on PATH. Fail when there is none."""
    if path:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
        raise Fail("--hetmc %s: no such executable" % path)
    own = os.path.join(REPO, "build", "hetmc")
    found = own if os.access(own, os.X_OK) else shutil.which("hetmc")
    if not found:
        raise Fail("hetmc not found (neither build/hetmc nor on PATH): build it or give "
                   "--hetmc PATH")
    return found


def ask(cmd, what):
    """stdout of cmd; Fail with hetmc's own line when it fails."""
    try:
        r = subprocess.run(cmd, capture_output=True)
    except OSError as e:
        raise Fail("%s: %s" % (cmd[0], e.strerror))
    err = r.stderr.decode("utf-8", "replace").strip().splitlines()
    if r.returncode != 0:
        raise Fail(err[-1] if err else "%s failed (exit %d)" % (what, r.returncode),
                   2 if r.returncode == 2 else 1)
    return r.stdout.decode("utf-8", "replace")


def backends(hetmc, cache={}):
    """[{name, family, max_workers, uses, flags, summary}] of `hetmc --list-backends`."""
    if hetmc not in cache:
        cache[hetmc] = list(csv.DictReader(io.StringIO(ask([hetmc, "--list-backends"],
                                                           "hetmc --list-backends"))))
    return cache[hetmc]


def comparison_columns(hetmc):
    """The column names of comparison.csv this hetmc writes (hetmc schema)."""
    text = ask([hetmc, "schema", "--format", "csv", "--file", "comparison"], "hetmc schema")
    return [r["name"] for r in csv.DictReader(io.StringIO(text))]


def device_units(hetmc):
    """{OpenCL device name: compute units} of the devices this machine has (hetmc devices)."""
    try:
        text = ask([hetmc, "devices"], "hetmc devices")
    except Fail:
        return {}
    out, name = {}, None
    for line in text.splitlines():
        if line[:1].isdigit() and ": " in line:
            name = line.split(": ", 1)[1].strip()
        elif name and "compute units" in line:
            n = line.split("compute units", 1)[1].strip().split(",")[0].strip()
            if n.isdigit():
                out[name] = int(n)
    return out


def runs_path(folder):
    """FOLDER/runs.csv, or Fail when FOLDER is not a results folder."""
    if not os.path.isdir(folder):
        raise Fail("%s: not a folder (give a results folder with runs.csv)" % folder)
    path = os.path.join(folder, "runs.csv")
    if not os.path.isfile(path):
        raise Fail("%s has no runs.csv: not a hetmc results folder" % folder)
    return path


def check(hetmc, folder):
    """hetmc compare's verdict on FOLDER/runs.csv (compared with itself): Fail with its line."""
    path = runs_path(folder)
    ask([hetmc, "compare", "--format", "csv", path, path], "hetmc compare")


def read_rows(path):
    """The rows of a CSV file as dicts (a file hetmc has accepted)."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise Fail("%s: %s" % (path, getattr(e, "strerror", None) or e))


def cell_keys(rows):
    return {(r.get("backend"), r.get("device"), r.get("workers"), r.get("samples"),
             r.get("seed")) for r in rows if r.get("status", "x")}


def comparison(hetmc, folder):
    """comparison.csv's rows for FOLDER: its own when it matches runs.csv, else derived."""
    own = os.path.join(folder, "comparison.csv")
    if os.path.isfile(own):
        rows = read_rows(own)
        runs = read_rows(os.path.join(folder, "runs.csv"))
        if rows and set(comparison_columns(hetmc)) <= set(rows[0]) and \
                cell_keys(rows) == cell_keys(runs):
            return rows
    text = ask([hetmc, "summarize", os.path.join(folder, "runs.csv")], "hetmc summarize")
    return list(csv.DictReader(io.StringIO(text)))


def write_file(path, data):
    """Writes bytes or text to path as hetmc writes its files (see the module's text)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise Fail("%s: %s" % (path, e.strerror), 1)
    if st and stat.S_ISLNK(st.st_mode):
        raise Fail("%s is a symbolic link: give the file it points to" % path)
    if st and stat.S_ISDIR(st.st_mode):
        raise Fail("%s is a folder: give a file name" % path)
    if st and not stat.S_ISREG(st.st_mode):
        return write_through(path, data)
    return write_replace(path, data)


def write_through(path, data):
    """Into a special file itself (a FIFO, a device), every byte checked."""
    try:
        fd = os.open(path, os.O_WRONLY)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
    except OSError as e:
        raise Fail("writing %s: %s" % (path, e.strerror), 1)


def write_replace(path, data):
    """A regular file, whole or absent: a unique temporary file beside it, renamed."""
    folder = os.path.dirname(path) or "."
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=folder)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except OSError as e:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        raise Fail("writing %s: %s" % (path, e.strerror or e), 1)


def out_folder(path):
    """Makes the output folder PATH (or Fail)."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise Fail("--out %s: not a folder" % path)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise Fail("--out %s: %s" % (path, e.strerror), 1)
    if not os.access(path, os.W_OK):
        raise Fail("--out %s: %s" % (path, os.strerror(13)), 1)


def run_main(prog, main, argv):
    """main(argv) with every Fail (and an interrupt) as one line on stderr and its status."""
    try:
        return main(argv)
    except Fail as e:
        sys.stderr.write("%s: %s\n" % (prog, str(e).replace("\n", " ")))
        return e.status
    except KeyboardInterrupt:
        sys.stderr.write("%s: interrupted\n" % prog)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as e:  # a bug: still one line, never a traceback
        sys.stderr.write("%s: internal error: %s: %s\n" % (prog, type(e).__name__,
                                                          str(e).replace("\n", " ")[:300]))
        return 1
