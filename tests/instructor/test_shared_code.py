"""The shared code each release carries, and the check that it holds no graded work."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from cs_utils.assignments import ASSIGNMENTS, Assignment
from cs_utils.instructor.release import build_release, check_shared_code, graded_from
from cs_utils.instructor.shared_code import (SharedCodeError, distinctive_solution_lines,
                                             graded_code_in, graded_functions, imported_names,
                                             shared_modules_for)

LEAKY_SOLUTION = '''"""A student package of a made-up assignment."""


def rel_error(x, y):
    """Relative error."""
    ### BEGIN SOLUTION
    return float(abs(x - y) / max(abs(x) + abs(y), 1e-8))
    ### END SOLUTION


class Model:
    def loss(self, X):
        ### BEGIN SOLUTION
        scores_after_the_hidden_layer = X * 2
        ### END SOLUTION
        return scores_after_the_hidden_layer
'''


def make_assignment(root, notebook_code, package_code=LEAKY_SOLUTION):
    folder = root / "made_up"
    (folder / "mu").mkdir(parents=True)
    (folder / "mu" / "__init__.py").write_text("")
    (folder / "mu" / "ops.py").write_text(package_code)
    nbformat.write(new_notebook(cells=[new_code_cell("%matplotlib inline\n" + notebook_code)]),
                   folder / "nb.ipynb")
    return Assignment(name="made_up", package="mu", notebooks=("nb",),
                      modules=("__init__.py", "ops.py"), root=root)


def test_imports_are_resolved_relative_to_their_module():
    source = "from .optim import adam\nfrom . import checks\nimport cs_utils.data as d\n"
    names = imported_names(source, "cs_utils.captioning_solver")
    assert {"cs_utils.optim", "cs_utils.optim.adam", "cs_utils", "cs_utils.checks",
            "cs_utils.data"} <= names
    inside_package = imported_names("from .frontend import show", "cs_utils.explorers",
                                    is_package=True)
    assert "cs_utils.explorers.frontend" in inside_package


def test_each_release_carries_what_its_assignment_imports_and_no_more():
    files = {name: set(shared_modules_for(a)) for name, a in ASSIGNMENTS.items()}
    for name in ASSIGNMENTS:
        assert {"cs_utils/__init__.py", "cs_utils/gradient_check.py",
                "cs_utils/notebook.py"} <= files[name], name
        assert not any("instructor" in path for path in files[name]), name
    # Reached only through other shared modules: the generated dataset and the checks.
    assert {"cs_utils/synthetic.py", "cs_utils/checks.py"} <= files["assignment1"]
    assert "cs_utils/fast_layers.py" in files["assignment2"]
    assert {"cs_utils/captioning_solver.py", "cs_utils/optim.py",
            "cs_utils/captioning.py"} <= files["assignment3"]
    for name in ("assignment1", "assignment2"):
        assert not files[name] & {"cs_utils/optim.py", "cs_utils/captioning_solver.py",
                                  "cs_utils/captioning.py"}, name


def test_a_notebook_that_imports_nothing_shared_gets_only_what_the_release_runs(tmp_path):
    assignment = make_assignment(tmp_path, "import numpy as np")
    # collectSubmission.sh runs cs_utils.collect_submission, which reads the table and
    # (with --check) runs the notebooks with the grader's settings.
    assert shared_modules_for(assignment) == [
        "cs_utils/__init__.py", "cs_utils/_im2col_cython.pyx", "cs_utils/assignments.py",
        "cs_utils/collect_submission.py", "cs_utils/grading_settings.py"]


def test_graded_functions_are_those_with_a_solution_region(tmp_path):
    assignment = make_assignment(tmp_path, "")
    assert graded_functions(assignment) == {"rel_error", "Model.loss"}
    assert graded_functions(ASSIGNMENTS["assignment2"]) >= {"adam", "sgd_momentum",
                                                             "FullyConnectedNet.loss"}
    assert "sgd" not in graded_functions(ASSIGNMENTS["assignment2"])  # provided
    lines = distinctive_solution_lines(assignment)
    assert "scores_after_the_hidden_layer = X * 2" in lines
    assert "return scores_after_the_hidden_layer" not in lines  # provided, outside


def test_the_check_finds_a_graded_function_and_a_copied_line(tmp_path):
    assignment = make_assignment(tmp_path, "")
    shared = tmp_path / "cs_utils"
    shared.mkdir()
    (shared / "helpers.py").write_text(
        "def rel_error(a, b):\n    return 0.0\n\n\n"
        "class Model:\n    def loss(self, X):\n        return X\n\n\n"
        "class Other:\n    def loss(self, X):\n        return X\n\n\n"
        "def shape_of(X):\n    scores_after_the_hidden_layer = X * 2\n    return X\n")
    findings = graded_code_in(["cs_utils/helpers.py"], [assignment], root=tmp_path)
    assert [(f.line, f.what) for f in findings] == [
        (1, "defines rel_error, graded in made_up"),
        (6, "defines Model.loss, graded in made_up"),
        (16, "repeats a line of the reference solution of made_up")]
    (shared / "clean.py").write_text("def loss(X):\n    return X\n")
    assert graded_code_in(["cs_utils/clean.py"], [assignment], root=tmp_path) == []


def test_the_release_build_refuses_shared_code_with_a_graded_function(tmp_path):
    # The made-up package grades rel_error, which cs_utils.gradient_check implements.
    assignment = make_assignment(tmp_path, "from cs_utils.gradient_check import rel_error")
    with pytest.raises(SharedCodeError, match=r"cs_utils/gradient_check.py:\d+: "
                                              r"defines rel_error, graded in made_up"):
        check_shared_code(assignment)
    with pytest.raises(SharedCodeError, match="rel_error"):
        build_release(target=tmp_path / "release", course_dir=tmp_path / "course",
                      assignments=[assignment], log=lambda *a: None)
    assert not (tmp_path / "release" / "made_up").exists()


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_the_course_releases_pass_the_check(name):
    check_shared_code(ASSIGNMENTS[name])


def test_later_assignments_count_earlier_ones_do_not():
    order = [a.name for a in graded_from(ASSIGNMENTS["assignment2"])]
    assert order == ["assignment2", "assignment3"]
    # Assignment 3 may receive Adam (graded in Assignment 2), and does.
    findings = graded_code_in(shared_modules_for(ASSIGNMENTS["assignment3"]),
                              [ASSIGNMENTS["assignment2"]],
                              provided_by=list(ASSIGNMENTS.values()))
    assert any(f.path == "cs_utils/optim.py" and "adam" in f.what for f in findings)
