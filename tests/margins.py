"""Numeric bounds that hold with a wide margin on the reference, on every machine.

A gradient check passes when the relative error is below its bound (about 1e-7 in
float64). Another CPU sums in another order and moves the error by a few ulps of the
quantities involved; a bound the reference meets only just can then fail there and
nowhere else. So every bound the tests hold the reference solutions to must be met
``MARGIN`` times over: the measured value at most ``bound / MARGIN``. A check that does
not meet it is made better conditioned (other inputs, another step size), never given a
looser bound.

``assert_within`` is the check for the package tests; the hidden tests in the notebooks
get the same rule through ``tests.graded_cells.run_graded_cells(..., margin=MARGIN)``.
Every measured value is recorded, and the end of the test run prints the tightest ones
(``COURSE_MARGIN_REPORT=path.csv`` writes them all).
"""

import csv
import inspect
from pathlib import Path

MARGIN = 10.0

RECORDS = []   # (where, value, bound): filled as the tests run


def record(where, value, bound):
    RECORDS.append((where, float(value), float(bound)))


def assert_within(value, bound, what=""):
    """Assert that ``value`` (an error, >= 0) is at most ``bound / MARGIN``.

    The bound is the one the course holds students to; the margin is what the
    reference must keep from it.
    """
    caller = inspect.stack()[1]
    where = f"{Path(caller.filename).name}:{caller.lineno}" + (f" {what}" if what else "")
    record(where, value, bound)
    assert value * MARGIN <= bound, (
        f"{where}: {value:.3g} is not {MARGIN:g}x inside its bound {bound:g}: make the "
        "check better conditioned (other inputs, step size) rather than loosen it")


def margin_of(value, bound):
    """How many times over the value meets its bound (inf for an exact zero)."""
    return float("inf") if value == 0 else bound / value


def tightest(records=None, count=15):
    """The records with the smallest margins, smallest first."""
    return sorted(records if records is not None else RECORDS,
                  key=lambda r: margin_of(r[1], r[2]))[:count]


def write_report(path, records=None):
    """All records as CSV: where, value, bound, margin."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["where", "value", "bound", "margin"])
        for where, value, bound in tightest(records, count=None):
            writer.writerow([where, f"{value:.3e}", f"{bound:g}",
                             f"{margin_of(value, bound):.3g}"])
