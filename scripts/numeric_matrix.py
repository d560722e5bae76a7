#!/usr/bin/env python3
"""The numeric tests under other BLAS kernels, numpy CPU dispatch levels and numpy versions.

    python3 scripts/numeric_matrix.py                       # every row (make numeric-matrix)
    python3 scripts/numeric_matrix.py --list                # the rows and what each sets
    python3 scripts/numeric_matrix.py --only blas-nehalem --only numpy-oldest \\
        --tests tests/assignment2/test_layers.py            # a subset

Each row runs ``pytest -m "not slow"`` on the numeric tests (the assignment packages'
tests, the hidden-test planted-bug suites and the cs_utils gradient-check, fast-layer,
solver and optimizer tests) in one configuration:

- ``baseline``: the environment as it is; the row records what it sets
  (``OPENBLAS_CORETYPE``, ``OPENBLAS_L2_SIZE``, ``NPY_*_CPU_FEATURES``);
- ``openblas-autodetect``: those two OpenBLAS variables unset (skipped when neither is
  set, since it is then the baseline);
- ``blas-*``: ``OPENBLAS_CORETYPE`` forced to an older kernel. threadpoolctl must then
  report a kernel other than the autodetected one (or the one asked for), or the row
  fails. OpenBLAS reports some kernels under another name: in numpy's DYNAMIC_LIST
  build the Prescott tables are also Katmai's, and it answers "Katmai". Zen is no row:
  that build maps it to the Haswell kernel, which is what it picks on an AMD EPYC anyway.
  A kernel whose instructions this CPU lacks is skipped (it would crash);
- ``npy-*``: numpy's dispatch limited with ``NPY_DISABLE_CPU_FEATURES`` to no AVX-512,
  no AVX2/FMA3, or the build's baseline only (every dispatched target off). The names
  come from numpy's own ``__cpu_dispatch__`` (numpy 2.4 groups them as X86_V3/X86_V4).
  Every named target must read False in ``__cpu_features__`` and numpy must not warn
  about the variable, or the row fails; a row that would switch off nothing this CPU
  has is skipped;
- ``numpy-oldest``, ``numpy-newest``: the oldest and the newest numpy that the range in
  requirements.txt allows (wheels only), each in a venv built from the lock with only
  numpy's pin changed. pip must accept every other pin with it and ``pip check`` must
  pass, or the row fails and says which package objects.

A row whose configuration (venv, BLAS kernel in use, numpy version, numpy CPU targets
on, OPENBLAS_L2_SIZE) an earlier row of the same run already tested is skipped and says
which: on a CPU where OpenBLAS picks Haswell, ``blas-haswell`` is the baseline again;
with numpy 2.4, whose dispatch above its X86_V2 baseline is X86_V3 and up only,
``npy-baseline-only`` is ``npy-no-avx2``; when the lock pins the newest numpy,
``numpy-newest`` is the baseline.

Every row runs in a venv under ``--workdir`` (default /tmp/numeric-matrix) built from
requirements-lock.txt with pip, reused while its requirements are unchanged. The
project is not pip-installed there: a .pth file puts the working tree on sys.path, so
the compiled im2col already built in cs_utils/ is used as it is (it uses typed
memoryviews, not numpy's C API, so it does not depend on the numpy version) and no
build writes into the working tree. The table at the end gives each row's
configuration, what took effect, the counts and the time; the exit status is 1 when a
row failed.
"""

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOCK = REPO / "requirements-lock.txt"
REQUIREMENTS = REPO / "requirements.txt"
MARKER = "not slow"
OPENBLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
NUMPY_VARIABLES = ("NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES")
CS_UTILS_TESTS = ("test_gradient_check.py", "test_fast_layers.py", "test_solver.py",
                  "test_optim.py")
# /proc/cpuinfo flags each forced kernel executes ("pni" is SSE3).
KERNEL_NEEDS = {
    "Prescott": ("sse2", "pni"),
    "Nehalem": ("ssse3", "sse4_2"),
    "Sandybridge": ("avx",),
    "Haswell": ("avx2", "fma"),
}


@dataclasses.dataclass(frozen=True)
class Row:
    """One configuration of the matrix."""

    name: str
    coretype: str = ""          # OPENBLAS_CORETYPE to force
    unset_openblas: bool = False
    disable: str = ""           # "avx512", "avx2" or "dispatch": what numpy may not use
    numpy: str = ""             # "oldest" or "newest"

    def describe(self):
        """What the row sets, in words."""
        if self.coretype:
            return f"OPENBLAS_CORETYPE={self.coretype}"
        if self.unset_openblas:
            return "OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE unset"
        if self.disable:
            return {"avx512": "NPY_DISABLE_CPU_FEATURES: AVX-512 targets",
                    "avx2": "NPY_DISABLE_CPU_FEATURES: AVX2/FMA3 and up",
                    "dispatch": "NPY_DISABLE_CPU_FEATURES: every dispatched target"}[self.disable]
        if self.numpy:
            return f"numpy: the {self.numpy} the range allows"
        return "environment as it is"


ROWS = (
    Row("baseline"),
    Row("openblas-autodetect", unset_openblas=True),
    *(Row(f"blas-{core.lower()}", coretype=core) for core in KERNEL_NEEDS),
    Row("npy-no-avx512", disable="avx512"),
    Row("npy-no-avx2", disable="avx2"),
    Row("npy-baseline-only", disable="dispatch"),
    Row("numpy-oldest", numpy="oldest"),
    Row("numpy-newest", numpy="newest"),
)


@dataclasses.dataclass
class Result:
    """What one row did: ``status`` is ok, FAILED or skipped."""

    row: Row
    status: str = "ok"
    effect: str = ""
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    note: str = ""


class RowFailure(Exception):
    """The row could not run as configured (a setting did not take effect, an install failed)."""


class RowSkipped(Exception):
    """The row would repeat another one on this machine, or use instructions it lacks."""


# ------------------------------------------------------------------ the probe (in a venv)

def probe():
    """Print, as JSON, the numpy version, its CPU features and the BLAS kernel in use.

    Runs inside a matrix venv, with the row's environment, as ``--probe``.
    """
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import numpy
        from numpy._core import _multiarray_umath as umath
    import threadpoolctl

    blas = [info for info in threadpoolctl.threadpool_info() if info.get("user_api") == "blas"]
    print(json.dumps({
        "numpy": numpy.__version__,
        "features": {name: bool(on) for name, on in umath.__cpu_features__.items()},
        "baseline": list(umath.__cpu_baseline__),
        "dispatch": list(umath.__cpu_dispatch__),
        "blas": [{key: info.get(key) for key in ("internal_api", "architecture", "version")}
                 for info in blas],
        "warnings": [str(w.message) for w in caught],
    }))


# ------------------------------------------------------------------ environments

def run(command, **kwargs):
    """Run a command, capture its output as text; never raise on its exit status."""
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def locked_numpy():
    """The numpy version pinned in the lock."""
    for line in LOCK.read_text().splitlines():
        if line.startswith("numpy=="):
            return line.split("==", 1)[1].strip()
    raise SystemExit(f"{LOCK.name} pins no numpy")


def lock_with_numpy(version):
    """The lock's text with numpy pinned to ``version`` instead."""
    lines = ["numpy==" + version if line.startswith("numpy==") else line
             for line in LOCK.read_text().splitlines()]
    return "\n".join(lines) + "\n"


def run_or_fail(command):
    """Run a command; RowFailure with the end of its output when it fails."""
    done = run([str(part) for part in command])
    if done.returncode != 0:
        words = (done.stdout + done.stderr).strip().splitlines()
        raise RowFailure(f"{' '.join(str(part) for part in command)} failed:\n   "
                         + "\n   ".join(words[-15:]))


def site_packages(python):
    """The purelib folder of the venv whose interpreter is ``python``."""
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(run([str(python), "-c", code], check=True).stdout.strip())


def build_venv(folder, requirements, base_python):
    """A venv in ``folder`` with exactly ``requirements`` installed; reused when unchanged.

    Returns its interpreter. Raises RowFailure with pip's words when pip refuses.
    """
    python = folder / "bin" / "python"
    stamp = folder / ".matrix-requirements"
    if stamp.exists() and stamp.read_text() == requirements and python.exists():
        return python
    shutil.rmtree(folder, ignore_errors=True)
    print(f"   building {folder} (pip, from the lock)", flush=True)
    started = time.monotonic()
    run_or_fail([base_python, "-m", "venv", str(folder)])
    (folder / "requirements.txt").write_text(requirements)
    run_or_fail([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run_or_fail([python, "-m", "pip", "install", "--quiet", "--only-binary", "numpy",
                 "-r", folder / "requirements.txt"])
    run_or_fail([python, "-m", "pip", "check"])
    (site_packages(python) / "course-working-tree.pth").write_text(f"{REPO}\n")
    stamp.write_text(requirements)
    print(f"   built in {time.monotonic() - started:.0f} s", flush=True)
    return python


def check_python(python):
    """The lock is for Python 3.11: refuse another interpreter."""
    code = "import sys; print('%d.%d' % sys.version_info[:2])"
    version = run([str(python), "-c", code]).stdout.strip()
    if version != "3.11":
        raise SystemExit(f"{python} is Python {version or '?'}; the lock is for Python 3.11 "
                         "(pass --python)")


class Venvs:
    """The matrix venvs: the lock's, and one per other numpy version, built on demand."""

    def __init__(self, workdir, base_python):
        self.workdir = workdir
        self.base_python = base_python
        self.lock_numpy = locked_numpy()

    def python(self, numpy_version=None):
        """The interpreter of the venv with the lock and ``numpy_version`` (default: the lock's)."""
        version = numpy_version or self.lock_numpy
        name = "lock" if version == self.lock_numpy else f"numpy-{version}"
        return build_venv(self.workdir / name, lock_with_numpy(version), self.base_python)


def numpy_versions(python):
    """(oldest, newest) numpy release that requirements.txt's range allows, from the index.

    Asks ``python`` (a matrix venv, which has pip and packaging) to run ``--numpy-range``.
    """
    done = run([str(python), str(Path(__file__).resolve()), "--numpy-range"], cwd=REPO)
    if done.returncode != 0:
        raise RowFailure(f"could not list numpy's releases: {done.stderr.strip()[-800:]}")
    oldest, newest = json.loads(done.stdout.strip().splitlines()[-1])
    return oldest, newest


def numpy_range():
    """Print, as JSON, the oldest and newest numpy release in requirements.txt's range.

    Runs inside a matrix venv as ``--numpy-range``: one ``pip index versions numpy``.
    """
    from packaging.requirements import Requirement
    from packaging.version import Version

    spec = next(Requirement(line.split("#")[0]).specifier
                for line in REQUIREMENTS.read_text().splitlines()
                if line.strip().startswith("numpy"))
    listed = run([sys.executable, "-m", "pip", "index", "versions", "numpy"], check=True)
    available = next(line.split(":", 1)[1] for line in listed.stdout.splitlines()
                     if line.startswith("Available versions:"))
    allowed = sorted(Version(v.strip()) for v in available.split(",") if Version(v.strip()) in spec)
    if not allowed:
        raise SystemExit(f"no numpy release in {spec}")
    print(json.dumps([str(allowed[0]), str(allowed[-1])]))


# ------------------------------------------------------------------ configuring rows

def probe_in(python, env):
    """Run the probe in ``python`` with ``env``; the parsed JSON."""
    done = run([str(python), str(Path(__file__).resolve()), "--probe"], env=env, cwd=REPO)
    if done.returncode != 0:
        raise RowFailure(f"the probe failed:\n{done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def blas_kernel(report):
    """The OpenBLAS kernel name in a probe report, or a RowFailure."""
    kernels = [b["architecture"] for b in report["blas"] if b["internal_api"] == "openblas"]
    if not kernels:
        raise RowFailure(f"threadpoolctl finds no OpenBLAS: {report['blas']}")
    return kernels[0]


def environment_record(env):
    """The OpenBLAS variables (set or not) and any numpy CPU variable set, for the baseline."""
    record = [f"{name}={env[name]}" if name in env else f"{name} unset"
              for name in OPENBLAS_VARIABLES]
    record += [f"{name}={env[name]}" for name in NUMPY_VARIABLES if name in env]
    return ", ".join(record)


def cpu_flags():
    """The CPU flags /proc/cpuinfo lists, or None where there is no such file."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    line = next((line for line in text.splitlines() if line.startswith("flags")), "")
    return set(line.split(":", 1)[-1].split())


def disabled_targets(kind, dispatch):
    """The numpy dispatch targets a ``npy-*`` row switches off, by numpy's own names."""
    avx512 = [name for name in dispatch if name.startswith("AVX512") or name == "X86_V4"]
    if kind == "avx512":
        return avx512
    if kind == "avx2":
        return [name for name in dispatch if name in ("AVX2", "FMA3", "X86_V3")] + avx512
    return list(dispatch)


def configure_blas(row, env, default):
    """Force the row's OpenBLAS kernel in ``env``; the probe must show it took effect."""
    flags = cpu_flags()
    needed = KERNEL_NEEDS[row.coretype]
    missing = [flag for flag in needed if flags is not None and flag not in flags]
    if missing:
        raise RowSkipped(f"this CPU lacks {', '.join(missing)}")
    env["OPENBLAS_CORETYPE"] = row.coretype
    return lambda report: check_kernel(row.coretype, blas_kernel(report), blas_kernel(default))


def check_kernel(requested, reported, autodetected):
    """What took effect, or RowFailure when the kernel did not change as asked."""
    if reported.lower() == requested.lower():
        return f"BLAS {reported}"
    if reported.lower() != autodetected.lower():
        return f"BLAS {reported} (OpenBLAS's name for the {requested} tables)"
    raise RowFailure(f"OPENBLAS_CORETYPE={requested} did not take effect: threadpoolctl "
                     f"reports {reported}, the kernel used without it")


def configure_numpy_features(row, env, default):
    """Limit numpy's dispatch in ``env``; the probe must show the targets switched off."""
    targets = disabled_targets(row.disable, default["dispatch"])
    on_this_cpu = [name for name in targets if default["features"].get(name)]
    if not on_this_cpu:
        raise RowSkipped(f"this CPU has none of {', '.join(targets) or 'them'}: same as baseline")
    env["NPY_DISABLE_CPU_FEATURES"] = ",".join(targets)
    return lambda report: check_features(targets, on_this_cpu, report)


def check_features(targets, on_this_cpu, report):
    """What took effect, or RowFailure when numpy still uses a target or rejected the names."""
    complaints = [w for w in report["warnings"] if "CPU_FEATURES" in w]
    if complaints:
        raise RowFailure("numpy rejected NPY_DISABLE_CPU_FEATURES: " + " ".join(complaints))
    still_on = [name for name in targets if report["features"].get(name)]
    if still_on:
        raise RowFailure(f"NPY_DISABLE_CPU_FEATURES did not take effect: {still_on} still on")
    return (f"numpy {report['numpy']} without {','.join(on_this_cpu)} "
            f"(disabled: {','.join(targets)})")


# ------------------------------------------------------------------ running a row

def junit_counts(path):
    """(passed, failed, skipped) from a pytest JUnit XML report; errors count as failed."""
    root = ElementTree.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    totals = {key: sum(int(suite.get(key, 0)) for suite in suites)
              for key in ("tests", "failures", "errors", "skipped")}
    failed = totals["failures"] + totals["errors"]
    return totals["tests"] - failed - totals["skipped"], failed, totals["skipped"]


def run_tests(python, env, tests, log, xml):
    """Run pytest on ``tests``; returns (exit code, seconds). Output goes to ``log``."""
    command = [str(python), "-m", "pytest", "-m", MARKER, "-q", "-p", "no:cacheprovider",
               f"--junitxml={xml}", *tests]
    started = time.monotonic()
    with open(log, "w") as out:
        code = subprocess.run(command, cwd=REPO, env=env, stdout=out,
                              stderr=subprocess.STDOUT).returncode
    return code, time.monotonic() - started


def last_lines(path, count):
    """The last ``count`` lines of a text file."""
    return Path(path).read_text(errors="replace").splitlines()[-count:]


class Matrix:
    """Runs rows one after another and keeps their results."""

    def __init__(self, args):
        self.args = args
        self.workdir = Path(args.workdir)
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        self.venvs = Venvs(self.workdir, args.python)
        self.default = None
        self.versions = {"oldest": args.numpy_oldest, "newest": args.numpy_newest}
        self.tested = {}            # configuration signature -> the row that tested it

    def baseline_report(self):
        """The probe of the lock venv in the caller's environment (cached)."""
        if self.default is None:
            self.default = probe_in(self.venvs.python(), dict(os.environ))
        return self.default

    def numpy_version(self, which):
        """The numpy version of a ``numpy-*`` row: given, or looked up once."""
        if not self.versions[which]:
            oldest, newest = numpy_versions(self.venvs.python())
            self.versions["oldest"] = self.versions["oldest"] or oldest
            self.versions["newest"] = self.versions["newest"] or newest
        return self.versions[which]

    def configure(self, row, env):
        """Set the row's environment; returns (interpreter, check of the probe report)."""
        default = self.baseline_report()
        if row.coretype:
            return self.venvs.python(), configure_blas(row, env, default)
        if row.disable:
            return self.venvs.python(), configure_numpy_features(row, env, default)
        if row.unset_openblas:
            if not any(name in env for name in OPENBLAS_VARIABLES):
                raise RowSkipped("neither variable is set here: same as baseline")
            for name in OPENBLAS_VARIABLES:
                env.pop(name, None)
            return self.venvs.python(), lambda report: f"BLAS {blas_kernel(report)} (autodetected)"
        if row.numpy:
            version = self.numpy_version(row.numpy)
            same = " (= the lock's)" if version == self.venvs.lock_numpy else ""
            return self.venvs.python(version), lambda report: (
                check_numpy_version(version, report) + same)
        record = environment_record(env)
        return self.venvs.python(), lambda report: (
            f"{record}; BLAS {blas_kernel(report)}; numpy {report['numpy']}")

    def run_row(self, row):
        """Configure, check and test one row; never raises."""
        result = Result(row)
        env = dict(os.environ)
        print(f"== {row.name}: {row.describe()}", flush=True)
        try:
            python, check = self.configure(row, env)
            report = probe_in(python, env)
            result.effect = check(report)
            print(f"   in effect: {result.effect}", flush=True)
            self.claim(row, signature(python, env, report))
            self.test(row, python, env, result)
        except RowSkipped as why:
            result.status, result.note = "skipped", str(why)
            print(f"   skipped: {why}", flush=True)
        except RowFailure as why:
            result.status, result.note = "FAILED", str(why).splitlines()[0]
            print(f"   ROW FAILED: {why}", file=sys.stderr, flush=True)
        return result

    def claim(self, row, key):
        """Skip a row whose configuration an earlier row of this run already tested."""
        if key in self.tested:
            raise RowSkipped(f"the same configuration as {self.tested[key]} on this machine")
        self.tested[key] = row.name

    def test(self, row, python, env, result):
        """Run the tests of a configured row into ``result``."""
        log = self.workdir / "logs" / f"{row.name}.log"
        xml = self.workdir / "logs" / f"{row.name}.xml"
        xml.unlink(missing_ok=True)
        code, result.seconds = run_tests(python, env, self.args.tests, log, xml)
        if xml.exists():
            result.passed, result.failed, result.skipped = junit_counts(xml)
        print("   " + (last_lines(log, 1) or ["(no output)"])[0] + f"  [{log}]", flush=True)
        if code != 0 or result.passed == 0:
            result.status = "FAILED"
            result.note = f"pytest exit {code}; see {log}"
            print("\n".join("   | " + line for line in last_lines(log, 25)), file=sys.stderr)


def signature(python, env, report):
    """What makes two rows the same test run: venv, BLAS kernel, numpy and its CPU targets."""
    enabled = tuple(sorted(name for name, on in report["features"].items() if on))
    return (str(python), blas_kernel(report), report["numpy"], enabled,
            env.get("OPENBLAS_L2_SIZE"))


def check_numpy_version(version, report):
    """What took effect for a ``numpy-*`` row, or RowFailure if another numpy was imported."""
    if report["numpy"] != version:
        raise RowFailure(f"numpy {report['numpy']} imported, {version} expected")
    return f"numpy {version}; BLAS {blas_kernel(report)}"


# ------------------------------------------------------------------ the table

def table(results):
    """The results as a plain-text table."""
    header = ("row", "configuration", "in effect", "passed", "failed", "skipped", "time",
              "result")
    lines = [header]
    for r in results:
        result = r.status if not r.note else f"{r.status}: {r.note}"
        lines.append((r.row.name, r.row.describe(), r.effect, str(r.passed), str(r.failed),
                      str(r.skipped), f"{r.seconds:.0f} s", result))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    text = ["  ".join([*(cell.ljust(width) for cell, width in zip(line, widths, strict=False)),
                       line[-1]])
            for line in lines]
    text.insert(1, "-" * len(text[0]))
    return "\n".join(text)


# ------------------------------------------------------------------ command line

def default_tests():
    """The numeric part of the suite: package tests, hidden-test suites, four cs_utils files."""
    tests = sorted(str(path.relative_to(REPO))
                   for path in REPO.glob("tests/assignment[123]/test_*.py"))
    tests += [f"tests/cs_utils/{name}" for name in CS_UTILS_TESTS]
    return tests


def parse_arguments(argv):
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", metavar="ROW",
                        help="run only this row (repeat, or separate with commas)")
    parser.add_argument("--tests", nargs="+", metavar="PATH", default=None,
                        help="test files or node ids instead of the numeric suite")
    parser.add_argument("--list", action="store_true", help="list the rows and stop")
    parser.add_argument("--workdir", default="/tmp/numeric-matrix",
                        help="where the venvs and logs go (default %(default)s)")
    parser.add_argument("--python", default=sys.executable,
                        help="the Python 3.11 the venvs are made from (default: this one)")
    parser.add_argument("--numpy-oldest", metavar="VERSION", help="instead of looking it up")
    parser.add_argument("--numpy-newest", metavar="VERSION", help="instead of looking it up")
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--numpy-range", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.tests = args.tests or default_tests()
    return args


def selected_rows(only):
    """The rows named by ``--only`` (all when none), in the matrix's order."""
    if not only:
        return list(ROWS)
    names = {name.strip() for item in only for name in item.split(",") if name.strip()}
    unknown = names - {row.name for row in ROWS}
    if unknown:
        raise SystemExit(f"unknown rows: {', '.join(sorted(unknown))} "
                         f"(rows: {', '.join(row.name for row in ROWS)})")
    return [row for row in ROWS if row.name in names]


def main(argv=None):
    """Run the selected rows, print the table; 1 when a row failed."""
    args = parse_arguments(argv)
    if args.probe or args.numpy_range:
        (probe if args.probe else numpy_range)()
        return 0
    rows = selected_rows(args.only)
    if args.list:
        for row in rows:
            print(f"{row.name:22} {row.describe()}")
        return 0
    check_python(args.python)
    matrix = Matrix(args)
    started = time.monotonic()
    try:
        matrix.baseline_report()
    except RowFailure as why:
        raise SystemExit(f"the lock venv does not work: {why}") from None
    results = [matrix.run_row(row) for row in rows]
    print()
    print(table(results))
    elapsed = time.monotonic() - started
    print(f"\n{len(args.tests)} test paths, -m '{MARKER}'; {elapsed:.0f} s in all; "
          f"logs in {matrix.workdir / 'logs'}")
    return 1 if any(r.status == "FAILED" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
