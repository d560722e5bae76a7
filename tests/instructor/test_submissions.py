"""A missing module of a hand-in is filled only with a stub checked to hold no solution."""

import json

import nbformat
import pytest

from cs_utils.assignments import ASSIGNMENTS
from cs_utils.instructor.course import Course
from cs_utils.instructor.strip import (remove_markers, solution_lines, strip_source,
                                       stub_problems)
from cs_utils.instructor.submissions import (ImportReport, fill_missing_modules,
                                             import_submission, read_notebook)
from tests.instructor.toy import OPS, make_toy_assignment, zip_folder

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


def test_cells_of_a_notebook_nbformat_cannot_read_are_recovered(tmp_path):
    path = tmp_path / "toy.ipynb"
    path.write_text(json.dumps({"cells": [
        {"cell_type": "code", "source": ["answer = ", "42"], "metadata": {"nbgrader": {}}},
        {"cell_type": "markdown", "source": "notes"},
        {"cell_type": "raw", "source": "dropped"}, "not a cell"]}))
    report = ImportReport(student="s", zip_name="s.zip")
    nb = read_notebook(path, report)
    assert [(c.cell_type, c.source) for c in nb.cells] == [("code", "answer = 42"),
                                                          ("markdown", "notes")]
    assert nb.cells[0].metadata == {"nbgrader": {}}
    assert "its 2 cells were read from it as they are" in report.problems[0]
    assert nbformat.read(path, as_version=4).cells[0].source == "answer = 42"  # repaired


@pytest.mark.parametrize("text", ['{"cells": [', '[1, 2]', '{"cells": "none"}', ""])
def test_a_notebook_with_no_readable_cell_is_set_aside(tmp_path, text):
    path = tmp_path / "toy.ipynb"
    path.write_text(text)
    report = ImportReport(student="s", zip_name="s.zip")
    assert read_notebook(path, report) is None and not path.exists()
    assert "none of its cells could be read" in report.problems[0]


def test_a_zip_without_any_assignment_file_cannot_be_graded(tmp_path):
    assignment = make_toy_assignment(tmp_path / "source")
    course = Course(tmp_path / "course").prepare([assignment])
    (tmp_path / "nothing").mkdir()
    zip_folder(tmp_path / "nothing", tmp_path / "empty.zip", extra={"notes.txt": "hello"})
    report = import_submission(tmp_path / "empty.zip", course, assignment,
                               tmp_path / "release")
    assert not report.gradable
    assert report.problems == ["the zip holds none of the assignment's files (its "
                               "notebooks or tp/*.py); nothing could be graded"]
    assert not course.path("submitted", "empty").exists()
