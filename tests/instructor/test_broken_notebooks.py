"""A correct Assignment 3 hand-in whose RNN_Captioning.ipynb is missing, is not JSON or
lost its cell metadata: the notebook's test cells still grade the student's package.

Only the points that depend on the notebook's own answer cells may be lost, and only
when the notebook could not be read at all.
"""

import ast

import nbformat
import pytest

from cs_utils.assignments import get_assignment
from cs_utils.instructor.autograde import autograde
from cs_utils.instructor.release import build_release
from cs_utils.instructor.sanitize import graded_cells
from cs_utils.instructor.simulate import fill_in_solutions, start_from_release
from tests.instructor.toy import zip_folder

pytestmark = pytest.mark.slow

NOTEBOOK = "RNN_Captioning"


def break_notebook(folder, how):
    path = folder / f"{NOTEBOOK}.ipynb"
    if how == "missing":
        path.unlink()
    elif how == "not_json":
        path.write_text(path.read_text()[:5000])
    elif how == "no_metadata":
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            cell.metadata.pop("nbgrader", None)
        nbformat.write(nb, path)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("broken")
    assignment = get_assignment("assignment3")
    release = build_release(target=root / "release", course_dir=root / "course",
                            assignments=[assignment.name], log=lambda *a: None)
    subs = root / "submissions"
    subs.mkdir()
    for how in ("missing", "not_json", "no_metadata"):
        folder = start_from_release(release / assignment.name / assignment.name,
                                    root / "students" / how)
        fill_in_solutions(folder, assignment)
        break_notebook(folder, how)
        zip_folder(folder, subs / f"{how}.zip")
    rows, reports, _ = autograde(assignment.name, subs, course_dir=root / "course",
                                 log=lambda *a: None)
    release_nb = nbformat.read(release / assignment.name / assignment.name /
                               f"{NOTEBOOK}.ipynb", as_version=4)
    return {"rows": {row.student: row for row in rows},
            "problems": {report.student: " | ".join(report.problems) for report in reports},
            "release_nb": release_nb}


def answer_cell_points(nb):
    """Autograded points that depend on the notebook's own answer cells: answer cells
    that are autograded, and test cells that read a name an answer cell assigns (the
    concept checks' ``tf_answers``, say)."""
    cells = graded_cells(nb).values()
    answers = [cell for cell in cells if cell.cell_type == "code"
               and cell.metadata["nbgrader"].get("solution")]
    names = {target.id for cell in answers for node in ast.parse(cell.source).body
             if isinstance(node, ast.Assign) for target in node.targets
             if isinstance(target, ast.Name)}
    return sum(cell.metadata["nbgrader"].get("points", 0) for cell in cells
               if cell.metadata["nbgrader"].get("grade") and cell.cell_type == "code"
               and (cell in answers or names & {node.id for node in ast.walk(
                   ast.parse(cell.source)) if isinstance(node, ast.Name)}))


def test_metadata_lost_costs_nothing(graded):
    row = graded["rows"]["no_metadata"]
    assert row.score == row.max_score > 0
    assert "found again by their place and content" in graded["problems"]["no_metadata"]


@pytest.mark.parametrize("how", ["missing", "not_json"])
def test_unreadable_notebook_costs_only_its_own_answer_cells(graded, how):
    row = graded["rows"][how]
    notebook = row.notebooks[NOTEBOOK]
    lost = answer_cell_points(graded["release_nb"])
    assert 0 < lost < notebook.auto_max  # the package's tests are worth something
    assert notebook.auto_score == notebook.auto_max - lost
    others = [nb for name, nb in row.notebooks.items() if name != NOTEBOOK]
    assert all(nb.auto_score == nb.auto_max for nb in others)
    assert "graded with the release's copy" in graded["problems"][how]
