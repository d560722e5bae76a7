import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from cs_utils.instructor.feedback import (HIDDEN_NOTE, FeedbackError, HideHiddenTests,
                                          hide_hidden_tests)


def test_hidden_regions_replaced_by_a_note():
    source = "visible()\n### BEGIN HIDDEN TESTS\nassert secret == 42\n### END HIDDEN TESTS\nafter()"
    assert hide_hidden_tests(source) == "visible()\n" + HIDDEN_NOTE + "after()"


def test_preprocessor_clears_test_cells_and_their_tracebacks_only():
    test_cell = new_code_cell(
        "check()\n### BEGIN HIDDEN TESTS\nassert answer == 1234, 'wrong'\n### END HIDDEN TESTS",
        metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "t",
                               "points": 1, "schema_version": 3}})
    test_cell.outputs = [new_output("error", ename="AssertionError", evalue="wrong",
                                    traceback=["line 3: assert answer == 1234, 'wrong'"])]
    student_cell = new_code_cell("### BEGIN HIDDEN TESTS\nmine\n### END HIDDEN TESTS")
    nb = new_notebook(cells=[test_cell, student_cell])
    nb, _ = HideHiddenTests().preprocess(nb, {})
    text = nbformat.writes(nb)
    assert "1234" not in text
    assert nb.cells[0].outputs[0]["traceback"] == ["AssertionError: wrong"]
    assert "mine" in nb.cells[1].source  # not a graded cell: left alone
    assert HideHiddenTests().enabled  # nbgrader registers it without enabling it


def test_hidden_lines_printed_by_student_code_are_scrubbed():
    """An IPython pre_run_cell hook in a student cell can print the next cell's source."""
    test_cell = new_code_cell(
        "check()\n### BEGIN HIDDEN TESTS\nassert answer == 1234, 'wrong'\n### END HIDDEN TESTS",
        metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "t",
                               "points": 1, "schema_version": 3}})
    test_cell.outputs = [new_output("stream", name="stdout",
                                    text="spy: check()\nassert answer == 1234, 'wrong'\n")]
    nb = new_notebook(cells=[new_code_cell("hook()"), test_cell])
    nb.cells[0].outputs = [new_output("execute_result", execution_count=1,
                                      data={"text/plain": "assert answer == 1234, 'wrong'"})]
    nb, _ = HideHiddenTests().preprocess(nb, {})
    assert "1234" not in nbformat.writes(nb)
    assert nb.cells[1].outputs[0]["text"] == "spy: check()\n(hidden test)\n"
    assert nb.cells[0].outputs[0]["data"]["text/plain"] == "(hidden test)"


def test_feedback_errors_carry_no_traceback_and_no_path():
    log = ("[GenerateFeedbackApp | ERROR] There was an error processing assignment: "
           "/srv/course/autograded/bob/a1\nTraceback (most recent call last):\n"
           '  File "/opt/venv/lib/python3.11/site-packages/nbgrader/utils.py", line 9\n'
           "    raise NbGraderException(\n"
           "nbgrader.coursedir.NbGraderException: No notebooks were matched by "
           "'/srv/course/autograded/bob/a1/*.ipynb'\n")
    error = FeedbackError(log)
    assert str(error) == ("nbgrader.coursedir.NbGraderException: No notebooks were matched "
                          "by '*.ipynb'")
    assert error.log == log
