"""Benchmarks, run on demand (never as tests): ``python -m benchmarks`` or ``make benchmarks``.

Each ``bench_*.py`` module in this package has a ``main(argv)``; ``python -m benchmarks``
runs them all, ``python -m benchmarks conv`` only ``bench_conv``. The helpers here time
several implementations side by side in one run: the repeats of the implementations
are interleaved, so a machine that gets busier halfway through slows them all alike,
and the median of the repeats is reported.
"""

import ctypes
import glob
import os
import statistics
import time

import numpy as np


def median_times(functions, repeats, warmup=1):
    """Time each function ``repeats`` times, interleaved; return {name: median seconds}.

    ``functions`` maps a name to a function of no arguments. Each one runs ``warmup``
    times first, untimed.
    """
    for fn in functions.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(times) for name, times in samples.items()}


def numpy_blas_threads():
    """(number of threads, description) of the BLAS library numpy uses.

    Read from threadpoolctl when it is installed, else from the getter that numpy's
    bundled OpenBLAS exports, else from the usual environment variables (or the number
    of CPUs, which is OpenBLAS's default).
    """
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        pass
    else:
        for info in threadpool_info():
            if info.get("user_api") == "blas":
                return info["num_threads"], f"{info['internal_api']} {info['version']}"
    libs = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(libs, "*openblas*")):
        try:
            lib = ctypes.CDLL(path)  # the copy numpy already loaded: same handle
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""),
                               ("openblas", "64_"), ("openblas", "")):
            getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            if getter is None:
                continue
            getter.restype = ctypes.c_int
            config = getattr(lib, f"{prefix}_get_config{suffix}", None)
            name = "OpenBLAS"
            if config is not None:
                config.restype = ctypes.c_char_p
                name = config().decode().split("  ")[0]
            return getter(), name
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var]), f"BLAS ({var})"
    return os.cpu_count() or 1, "BLAS (assumed: one thread per CPU)"


def format_table(header, rows):
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(row[i])) for row in [header] + rows) for i in range(len(header))]
    lines = []
    for row in [header] + rows:
        cells = [str(row[0]).ljust(widths[0])]
        cells += [str(cell).rjust(width) for cell, width in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells))
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
