"""A missing module of a hand-in is filled only with a stub checked to hold no solution."""

import pytest

from cs_utils.assignments import ASSIGNMENTS
from cs_utils.instructor.strip import (remove_markers, solution_lines, strip_source,
                                       stub_problems)
from cs_utils.instructor.submissions import ImportReport, fill_missing_modules
from tests.instructor.toy import OPS, make_toy_assignment

STUB = strip_source(OPS, "toy/tp/ops.py")


@pytest.fixture
def toy(tmp_path):
    """(assignment, release folder, empty hand-in folder, report) of the toy course."""
    assignment = make_toy_assignment(tmp_path / "source")
    release = tmp_path / "release"
    (release / "tp").mkdir(parents=True)
    (release / "tp" / "__init__.py").write_text('"""Toy package."""\n')
    handin = tmp_path / "handin"
    (handin / "tp").mkdir(parents=True)
    (handin / "tp" / "__init__.py").write_text('"""Toy package."""\n')
    return assignment, release, handin, ImportReport(student="s", zip_name="s.zip")


def fill(toy, release_ops):
    """Fill the hand-in's missing tp/ops.py with the release holding ``release_ops``
    (None: no copy); return (the filled text or None, the report's problems)."""
    assignment, release, handin, report = toy
    if release_ops is not None:
        (release / "tp" / "ops.py").write_text(release_ops)
    fill_missing_modules(handin, release, assignment, report, [assignment.folder])
    filled = handin / "tp" / "ops.py"
    return (filled.read_text() if filled.exists() else None), report.problems


def test_a_clean_release_stub_is_used_as_it_is(toy):
    text, problems = fill(toy, STUB + "# as released\n")
    assert text == STUB + "# as released\n"
    assert problems == ["missing tp/ops.py: graded with the unchanged stub"]


@pytest.mark.parametrize("release_ops, why", [
    (OPS, "holds the marker '### BEGIN SOLUTION'"),        # nbgrader's unstripped copy
    (remove_markers(OPS), "holds 2 line(s) of the reference solution"),  # markers gone
    (None, "the release has no copy of it"),                # removed by a failed hook
])
def test_a_release_copy_that_is_not_a_clean_stub_is_rebuilt_from_the_source(
        toy, release_ops, why):
    text, problems = fill(toy, release_ops)
    assert text == STUB
    assert "missing tp/ops.py: graded with the unchanged stub" in problems
    note, = [p for p in problems if "made from the instructor source" in p]
    assert why in note
    assert "return 2 * x" not in note and "np.log(x)" not in note  # never quoted


def test_without_an_instructor_copy_nothing_unchecked_is_filled_in(toy):
    assignment, release, handin, report = toy
    (release / "tp" / "ops.py").write_text(STUB)
    fill_missing_modules(handin, release, assignment, report, [release.parent / "nowhere"])
    assert not (handin / "tp" / "ops.py").exists()
    assert "tp/ops.py: no instructor copy to check a stub against" in report.problems
    assert any("no stub could be made" in p for p in report.problems)


def test_an_unstrippable_source_is_reported_not_filled(toy):
    assignment, release, handin, report = toy
    (assignment.folder / "tp" / "ops.py").write_text(OPS.replace("    ### END SOLUTION\n",
                                                                 "", 1))
    fill(toy, OPS)
    assert not (handin / "tp" / "ops.py").exists()
    assert any("cannot be stripped" in p and "inside the region" in p for p in report.problems)


def test_stub_problems_name_markers_and_solution_lines():
    assert stub_problems(STUB, OPS) == []
    assert stub_problems(OPS, OPS)[:2] == ["holds the marker '### BEGIN SOLUTION'",
                                          "holds the marker '### END SOLUTION'"]
    # One solution line pasted into the stub is enough.
    assert stub_problems(STUB + "    return np.log(x)\n", OPS) == [
        "holds 1 line(s) of the reference solution"]
    # A line that the source also has outside its regions is provided code, not a leak.
    source = "def f(x):\n    y = x\n    ### BEGIN SOLUTION\n    y = x\n    return y\n" \
             "    ### END SOLUTION\n"
    assert solution_lines(source) == {"return y"}
    assert stub_problems("def f(x):\n    y = x\n    raise NotImplementedError\n",
                         source) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS.values(), ids=ASSIGNMENTS)
def test_every_real_stub_passes_the_check(assignment):
    """No correct stub of the course is mistaken for a leaking one."""
    for module in assignment.module_files:
        source = (assignment.folder / module).read_text()
        assert stub_problems(strip_source(source, f"{assignment.name}/{module}"),
                             source) == [], module
