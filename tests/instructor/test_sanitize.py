"""The coordinator's notebook repairs on their own: graded cells found again by content,
and the release's copy with the student's answers put in."""

import copy

from nbformat.v4 import new_code_cell, new_markdown_cell

from cs_utils.instructor.sanitize import (graded_cells, recover_metadata_by_content,
                                          release_with_answers)
from tests.instructor.toy import make_notebook

ANSWER = "answer = 6 * 7"
WRITTEN = "Why?\n\n**Your answer:** because the metadata is gone."


def without_metadata(nb):
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    return nb


def student_copy():
    """The toy notebook as a student edits it: answers written, a cell of their own
    added before the answer, another after the first test cell."""
    nb = make_notebook()
    nb.cells[2].source = ANSWER
    nb.cells[5].source = WRITTEN
    nb.cells.insert(2, new_code_cell("import math  # my own cell"))
    nb.cells.insert(5, new_markdown_cell("my notes"))
    return nb


def grade_id_of(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def test_cells_without_metadata_are_found_by_place_and_content():
    release, problems = make_notebook(), []
    nb = without_metadata(student_copy())
    recover_metadata_by_content(nb, release, problems.append)
    found = {grade_id_of(cell): cell.source for cell in nb.cells if grade_id_of(cell)}
    assert found["answer_cell"] == ANSWER
    assert found["inline_question"] == WRITTEN
    assert found["test_double"] == release.cells[3].source
    assert found["test_safe_log"] == release.cells[4].source
    # The student's own cells stay theirs, without metadata.
    assert grade_id_of(nb.cells[2]) is None and grade_id_of(nb.cells[5]) is None
    assert problems == ["4 of 4 graded cells had lost their nbgrader metadata and were "
                        "found again by their place and content: answer_cell, test_double, "
                        "test_safe_log, inline_question"]


def test_only_missing_grade_ids_are_given_out():
    release, problems = make_notebook(), []
    nb = student_copy()
    nb.cells[3].metadata.pop("nbgrader")  # the answer cell (after the inserted one)
    # A copy of the first test cell, without metadata, placed right before it.
    nb.cells.insert(4, new_code_cell(release.cells[3].source))
    recover_metadata_by_content(nb, release, problems.append)
    assert grade_id_of(nb.cells[3]) == "answer_cell"
    assert [grade_id_of(c) for c in nb.cells].count("test_double") == 1
    assert problems and "1 of 1" in problems[0]


def test_nothing_happens_when_no_metadata_is_lost():
    release, problems = make_notebook(), []
    nb = student_copy()
    before = copy.deepcopy(nb)
    recover_metadata_by_content(nb, release, problems.append)
    assert nb == before and problems == []


def test_release_copy_takes_the_answers_by_grade_id():
    release = make_notebook()
    nb = student_copy()
    nb.cells[6].source = "assert True  # a test cell the student emptied"
    rebuilt, taken = release_with_answers(release, nb)
    cells = graded_cells(rebuilt)
    assert taken == ["answer_cell", "inline_question"]
    assert cells["answer_cell"].source == ANSWER and cells["inline_question"].source == WRITTEN
    assert cells["test_double"].source == release.cells[3].source  # tests stay the release's
    assert len(rebuilt.cells) == len(release.cells)
    assert release_with_answers(release, None)[1] == []
