import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

# Tests always run on the generated dataset and in quick mode, whatever is downloaded.
os.environ.setdefault("COURSE_DATASET", "generated")
os.environ.setdefault("COURSE_QUICK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# Several processes (pytest, kernels, graders) share two cores: one BLAS thread each
# avoids oversubscription that makes small matrix products ten times slower.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


@pytest.fixture(scope="session")
def repo_root():
    return REPO_ROOT


def add_assignment_to_path(name):
    """Make an assignment's student package importable (``import a1``)."""
    folder = str(REPO_ROOT / name)
    if folder not in sys.path:
        sys.path.insert(0, folder)


def pytest_generate_tests(metafunc):
    """Parametrize ``mutant`` with the MUTANTS of a GradedNotebookSuite test class."""
    if "mutant" in metafunc.fixturenames and metafunc.cls is not None:
        mutants = metafunc.cls.MUTANTS
        metafunc.parametrize("mutant", mutants, ids=[m.name for m in mutants])


def pytest_terminal_summary(terminalreporter):
    """The gradient-check bounds with the least margin (tests/margins.py)."""
    from tests.margins import MARGIN, RECORDS, margin_of, tightest, write_report

    if not RECORDS:
        return
    terminalreporter.section("gradient-check margins")
    terminalreporter.write_line(f"{len(RECORDS)} bounds checked, each required to hold "
                                f"{MARGIN:g}x over; the tightest:")
    for where, value, bound in tightest(count=8):
        terminalreporter.write_line(f"  {margin_of(value, bound):8.3g}x  {value:.2e} < "
                                    f"{bound:g}  {where}")
    report = os.environ.get("COURSE_MARGIN_REPORT")
    if report:
        write_report(report)
        terminalreporter.write_line(f"all of them: {report}")
