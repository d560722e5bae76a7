"""collectSubmission.sh and cs_utils.collect_submission on a fake assignment folder.

The folder is built in tmp_path from the assignment table (small notebooks made with
nbformat, one-line modules), so these tests do not depend on the real notebooks.
"""

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from cs_utils import collect_submission as cs
from cs_utils.assignments import ASSIGNMENTS, Assignment, get_assignment

REPO_ROOT = Path(__file__).resolve().parent.parent
A1 = get_assignment("assignment1")


def write_notebook(path, run=True, errors=0):
    """A small notebook: every code cell run (or none), ``errors`` of them failing."""
    cells = [new_markdown_cell("# Title")]
    for i in range(3):
        cell = new_code_cell(f"x = {i}\nprint(x)")
        if run:
            cell.execution_count = i + 1
            if i < errors:
                cell.outputs = [new_output("error", ename="ValueError", evalue="bad",
                                           traceback=["ValueError: bad"])]
            else:
                cell.outputs = [new_output("stream", name="stdout", text=f"{i}\n")]
        cells.append(cell)
    nbformat.write(new_notebook(cells=cells), str(path))


def make_assignment(folder, assignment=A1):
    """A complete, run assignment folder for ``assignment`` (default assignment1)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in assignment.notebook_files:
        write_notebook(folder / name)
    for name in assignment.module_files:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'"""{name}"""\n\nVALUE = {len(name)}\n')
    return folder


@pytest.fixture
def assignment(tmp_path):
    return make_assignment(tmp_path / "assignment1")


@pytest.fixture
def out(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    return folder / "assignment1_submission.zip"


def members(zip_path):
    with zipfile.ZipFile(zip_path) as zf:
        return sorted(zf.namelist())


def expected_members(*extra):
    return sorted([*A1.required_files, *extra])


# ---------------------------------------------------------------- the function

def test_complete_assignment_gives_exactly_the_graded_files(assignment, out):
    warnings = cs.make_submission_zip("assignment1", assignment, out)
    assert warnings == []
    names = members(out)
    assert names == expected_members()
    assert "knn.ipynb" in names and "a1/knn.py" in names and "a1/__init__.py" in names
    with zipfile.ZipFile(out) as zf:
        assert zf.read("a1/knn.py") == (assignment / "a1" / "knn.py").read_bytes()
        assert zf.read("svm.ipynb") == (assignment / "svm.ipynb").read_bytes()
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]  # no temporaries


def test_missing_notebook_and_module_are_both_named_and_no_zip_is_written(assignment, out):
    (assignment / "svm.ipynb").unlink()
    (assignment / "a1" / "layers.py").unlink()
    with pytest.raises(cs.SubmissionError) as caught:
        cs.make_submission_zip("assignment1", assignment, out)
    assert caught.value.problems == ["svm.ipynb", "a1/layers.py"]
    message = str(caught.value)
    assert "assignment1/svm.ipynb" in message and "assignment1/a1/layers.py" in message
    assert "2 required file(s) missing" in message
    assert list(out.parent.iterdir()) == []


def test_missing_files_exit_nonzero_from_the_command_line(assignment, out, capsys):
    (assignment / "knn.ipynb").unlink()
    (assignment / "a1" / "softmax.py").unlink()
    code = cs.main(["assignment1", "--assignment-dir", str(assignment), "-o", str(out)])
    assert code == 1
    err = capsys.readouterr().err
    assert "assignment1/knn.ipynb" in err and "assignment1/a1/softmax.py" in err
    assert not out.exists()


def test_unrun_notebook_is_a_warning_and_the_zip_is_still_written(assignment, out):
    write_notebook(assignment / "softmax.ipynb", run=False)
    warnings = cs.make_submission_zip("assignment1", assignment, out)
    assert len(warnings) == 1
    assert warnings[0].startswith("softmax.ipynb: no code cell has been run")
    assert members(out) == expected_members()


def test_error_outputs_are_counted_in_a_warning(assignment, out, capsys):
    write_notebook(assignment / "features.ipynb", errors=2)
    code = cs.main(["assignment1", "--assignment-dir", str(assignment), "-o", str(out)])
    assert code == 0
    captured = capsys.readouterr()
    assert "WARNING: features.ipynb: 2 cell(s) end with an error (cell 2, 3)" in captured.err
    assert "1 warning(s) above" in captured.out
    assert members(out) == expected_members()


@pytest.mark.parametrize("content, reason", [
    ('{"cells": [', "is not valid JSON (line 1"),
    ("[1, 2, 3]", "is JSON but not a Jupyter notebook"),
    ('{"nbformat": 4, "cells": "none"}', "has no readable list of cells"),
    ('{"nbformat": 3, "worksheets": []}', "is saved in the old notebook format 3"),
])
def test_unreadable_notebook_fails_naming_it_and_writes_no_zip(assignment, out, content,
                                                              reason, capsys):
    (assignment / "two_layer_net.ipynb").write_text(content)
    with pytest.raises(cs.SubmissionError) as caught:
        cs.make_submission_zip("assignment1", assignment, out)
    assert f"two_layer_net.ipynb {reason}" in str(caught.value)
    assert caught.value.problems == ["two_layer_net.ipynb"]
    assert list(out.parent.iterdir()) == []
    assert cs.main(["assignment1", "--assignment-dir", str(assignment), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "two_layer_net.ipynb" in err and "Jupyter" in err
    assert list(out.parent.iterdir()) == []


def test_caches_checkpoints_data_and_stray_files_are_left_out(assignment, out):
    junk = [
        "a1/__pycache__/knn.cpython-311.pyc", "a1/__pycache__/stale.py",
        "a1/.ipynb_checkpoints/knn-checkpoint.py", ".ipynb_checkpoints/knn-checkpoint.ipynb",
        "a1/best_model.pkl", "a1/weights.npz", "a1/W.npy", "a1/model.h5", "a1/net.pt",
        "a1/checkpoints/epoch_3.py", "a1/datasets/loader.py",
        "datasets/cifar-10-batches-py/data_batch_1", "checkpoint.pkl",
        "scratch.py", "notes.txt", "a1/notes.txt", "a1/.hidden.py",
    ]
    for name in junk:
        path = assignment / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x = 1\n")
    assert cs.make_submission_zip("assignment1", assignment, out) == []
    assert members(out) == expected_members()


def test_helper_modules_a_student_adds_are_included(assignment, out):
    (assignment / "a1" / "my_helpers.py").write_text("def helper():\n    return 1\n")
    (assignment / "a1" / "extras").mkdir()
    (assignment / "a1" / "extras" / "plots.py").write_text("PLOTS = []\n")
    assert cs.make_submission_zip("assignment1", assignment, out) == []
    assert members(out) == expected_members("a1/my_helpers.py", "a1/extras/plots.py")


def test_module_with_a_syntax_error_is_a_warning(assignment, out):
    (assignment / "a1" / "knn.py").write_text("def predict(:\n    pass\n")
    warnings = cs.make_submission_zip("assignment1", assignment, out)
    assert warnings == ["a1/knn.py: syntax error on line 1 (invalid syntax); every test "
                        "that imports your package will fail until you fix it."]
    assert members(out) == expected_members()


def test_notebook_copies_that_are_not_collected_are_pointed_out(assignment, out):
    write_notebook(assignment / "knn (1).ipynb")
    warnings = cs.make_submission_zip("assignment1", assignment, out)
    assert len(warnings) == 1 and warnings[0].startswith("not collected: knn (1).ipynb.")
    assert "knn (1).ipynb" not in members(out)


def test_failure_keeps_an_older_zip_untouched_and_says_it_is_stale(assignment, out, capsys):
    out.write_bytes(b"the zip from last week")
    (assignment / "a1" / "knn.py").unlink()
    assert cs.main(["assignment1", "--assignment-dir", str(assignment), "-o", str(out)]) == 1
    assert out.read_bytes() == b"the zip from last week"
    assert "does not hold your latest work" in capsys.readouterr().err
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


def test_write_failing_halfway_keeps_the_older_zip_and_no_temporary(assignment, out,
                                                                    monkeypatch):
    out.write_bytes(b"the zip from last week")
    real_write = zipfile.ZipFile.write
    written = []

    def write_then_fail(self, filename, arcname=None, *args, **kwargs):
        if written:
            raise OSError(28, "No space left on device")
        written.append(arcname)
        return real_write(self, filename, arcname, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "write", write_then_fail)
    with pytest.raises(cs.SubmissionError, match="No space left on device"):
        cs.make_submission_zip("assignment1", assignment, out)
    assert written == ["knn.ipynb"]
    assert out.read_bytes() == b"the zip from last week"
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


def test_zip_replaces_an_older_one_in_one_step(assignment, out):
    out.write_bytes(b"old")
    cs.make_submission_zip("assignment1", assignment, out)
    assert members(out) == expected_members()
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


def test_unknown_assignment_is_a_usage_error(assignment, out, capsys):
    with pytest.raises(cs.UnknownAssignmentError, match="known assignments: assignment1"):
        cs.make_submission_zip("assignment7", assignment, out)
    assert cs.main(["assignment7"]) == 2
    assert "unknown assignment 'assignment7'" in capsys.readouterr().err
    assert cs.main([]) == 2
    assert "name the assignment to collect" in capsys.readouterr().err
    assert list(out.parent.iterdir()) == []


def test_missing_assignment_folder_is_an_error(tmp_path, out):
    with pytest.raises(cs.SubmissionError, match="does not exist"):
        cs.make_submission_zip("assignment1", tmp_path / "nowhere", out)


def test_an_assignment_outside_the_table_can_be_collected(tmp_path, out):
    toy = Assignment(name="toy", package="t", notebooks=("intro",), modules=("__init__.py",))
    folder = tmp_path / "toy"
    (folder / "t").mkdir(parents=True)
    write_notebook(folder / "intro.ipynb")
    (folder / "t" / "__init__.py").write_text("")
    (folder / "t" / "extra.py").write_text("A = 1\n")
    assert cs.make_submission_zip(toy, folder, out) == []
    assert members(out) == ["intro.ipynb", "t/__init__.py", "t/extra.py"]


# ----------------------------------------------------------- the shell script

@pytest.fixture
def course(tmp_path):
    """A copy of the course folder: the script, cs_utils and a finished assignment1."""
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(REPO_ROOT / "collectSubmission.sh", root)
    shutil.copytree(REPO_ROOT / "cs_utils", root / "cs_utils",
                    ignore=shutil.ignore_patterns("__pycache__"))
    make_assignment(root / "assignment1")
    return root


def python_only_path(tmp_path, python_name):
    """A PATH with ``python_name`` (a bare interpreter: no venv, nothing installed) and
    the one external command the script needs."""
    bin_dir = tmp_path / f"bin-{python_name}"
    bin_dir.mkdir()
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    (bin_dir / python_name).symlink_to(base if base.exists() else Path(sys.executable))
    (bin_dir / "dirname").symlink_to(shutil.which("dirname"))
    return str(bin_dir)


def run_collect(course, *args, path, cwd):
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PATH"] = path
    return subprocess.run([shutil.which("bash"), str(course / "collectSubmission.sh"), *args],
                          cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("python_name", ["python3", "python"])
def test_script_writes_the_zip_next_to_itself(course, tmp_path, python_name):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_collect(course, "assignment1", cwd=elsewhere,
                         path=python_only_path(tmp_path, python_name))
    assert result.returncode == 0, result.stderr
    zip_path = course / "assignment1_submission.zip"
    assert members(zip_path) == expected_members()
    count = len(A1.required_files)
    assert f"Wrote {zip_path}: {count} files, " in result.stdout
    assert "Next: upload assignment1_submission.zip" in result.stdout
    assert result.stderr == ""
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_script_collects_every_assignment_of_the_table(course, tmp_path, name):
    assignment = get_assignment(name)
    if name != "assignment1":
        make_assignment(course / name, assignment)
    result = run_collect(course, name, cwd=course, path=python_only_path(tmp_path, "python3"))
    assert result.returncode == 0, result.stderr
    zip_path = course / f"{name}_submission.zip"
    assert members(zip_path) == sorted(assignment.required_files)


def test_script_fails_cleanly_on_a_broken_notebook(course, tmp_path):
    (course / "assignment1" / "knn.ipynb").write_text("{not json")
    result = run_collect(course, "assignment1", cwd=course,
                         path=python_only_path(tmp_path, "python3"))
    assert result.returncode == 1
    assert "knn.ipynb is not valid JSON" in result.stderr
    assert sorted(p.name for p in course.iterdir()) == [
        "assignment1", "collectSubmission.sh", "cs_utils"]


def test_script_reports_usage_errors(course, tmp_path):
    path = python_only_path(tmp_path, "python3")
    no_name = run_collect(course, cwd=course, path=path)
    assert no_name.returncode == 2
    assert "known assignments: assignment1" in no_name.stderr
    unknown = run_collect(course, "assignment42", cwd=course, path=path)
    assert unknown.returncode == 2
    assert "unknown assignment 'assignment42'" in unknown.stderr
    assert not list(course.glob("*.zip"))



# ------------------------------------------------ functions that are still stubs

def copy_stripped_package(assignment, target):
    """The assignment's package as the release ships it: every solution stubbed."""
    from cs_utils.instructor.strip import strip_file

    package = target / assignment.package
    shutil.copytree(assignment.folder / assignment.package, package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for path in package.rglob("*.py"):
        strip_file(path)
    return package


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_stub_warnings_name_exactly_the_graded_functions_of_a_release(tmp_path, name):
    from cs_utils.instructor.shared_code import graded_functions

    assignment = get_assignment(name)
    package = copy_stripped_package(assignment, tmp_path)
    listed = set()
    for path in sorted(package.rglob("*.py")):
        found = cs.unwritten_functions(path.read_bytes())
        listed |= {function for function, _ in found}
        warnings = cs.check_module(path, path.name)
        if found:
            assert len(warnings) == 1 and warnings[0].startswith(
                f"{path.name}: {len(found)} function(s) still raise the stub's "
                "NotImplementedError")
            for function, line in found:
                assert f"{function} (line {line})" in warnings[0]
                assert "NotImplementedError" in path.read_text().splitlines()[line - 1]
        else:
            assert warnings == []
    # The markers of the instructor source are an independent record of the stubs;
    # LinearClassifier.loss, an interface that raises on purpose, is not among them.
    assert listed == graded_functions(assignment)
    for path in (assignment.folder / assignment.package).rglob("*.py"):
        assert cs.unwritten_functions(path.read_bytes()) == [], path


STUB_MODULE = '''\
def written(x):
    return x


def stub_in_a_loop(xs):
    out = []
    for x in xs:
        if x:
            raise NotImplementedError("stub_in_a_loop: write your code here (a1/m.py)")
    return out


def outer():
    def inner():
        raise NotImplementedError
    return inner


class Base:
    def loss(self):
        raise NotImplementedError("use a subclass")

    def step(self):
        raise NotImplementedError()


class Child(Base):
    def loss(self):
        return 0.0


def raises_something_else():
    raise ValueError("NotImplementedError")
'''


def test_unwritten_functions_finds_stubs_anywhere_in_a_body_but_not_interfaces():
    assert cs.unwritten_functions(STUB_MODULE) == [
        ("stub_in_a_loop", 9), ("outer.inner", 15), ("Base.step", 24)]


def test_stub_warning_goes_with_the_zip(assignment, out, capsys):
    (assignment / "a1" / "knn.py").write_text(STUB_MODULE)
    assert cs.main(["assignment1", "--assignment-dir", str(assignment), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert ("WARNING: a1/knn.py: 3 function(s) still raise the stub's NotImplementedError, "
            "so they are not written yet: stub_in_a_loop (line 9), outer.inner (line 15), "
            "Base.step (line 24).") in err
    assert members(out) == expected_members()


# ------------------------------------------------------------ the order of runs

def write_counted_notebook(path, counts, sources=None):
    """A notebook of a markdown cell then one code cell per entry of ``counts``
    (its execution count, None for a cell never run)."""
    cells = [new_markdown_cell("# Title")]
    for i, count in enumerate(counts):
        cell = new_code_cell(sources[i] if sources else f"x = {i}")
        cell.execution_count = count
        cells.append(cell)
    nbformat.write(new_notebook(cells=cells), str(path))


@pytest.mark.parametrize("counts, out_of_order, skipped", [
    ([1, 2, 3, 4], [], []),
    ([1, 2, 5, 9], [], []),                 # gaps: cells run again, or deleted
    ([1, 2, None, None], [], []),           # a run that stopped early
    ([1, 3, 2, 4], [4], []),                # cell 4 ran before cell 3
    ([5, 1, 2, 3], [3, 4, 5], []),          # the top cell was run again at the end
    ([1, None, 2, 3], [], [3]),
    ([None, None, 7, 8], [], [2, 3]),
    ([2, None, 1, None, 3], [4], [3, 5]),
])
def test_run_order_problems(counts, out_of_order, skipped):
    cells = [{"cell_type": "markdown", "source": "# Title"}]
    cells += [{"cell_type": "code", "source": ["x = 1"], "execution_count": c} for c in counts]
    assert cs.run_order_problems(cells) == (out_of_order, skipped)


def test_empty_code_cells_count_as_nothing():
    cells = [{"cell_type": "code", "source": "a = 1", "execution_count": 1},
             {"cell_type": "code", "source": "  \n", "execution_count": None},
             {"cell_type": "code", "source": "b = 2", "execution_count": 2}]
    assert cs.run_order_problems(cells) == ([], [])


def test_cells_run_out_of_order_are_a_warning_for_the_student(assignment, out):
    write_counted_notebook(assignment / "svm.ipynb", [1, 4, 2, 3, 5])
    warnings = cs.make_submission_zip("assignment1", assignment, out)
    assert warnings == [
        "svm.ipynb: not run from top to bottom in one go (cells 4, 5 ran before a cell "
        "above them; cells are counted from the top, text cells included). Its saved "
        "outputs may not be what a fresh run gives, and the grader runs it fresh. Use "
        "Kernel > Restart Kernel and Run All Cells, save, and collect again."]
    assert members(out) == expected_members()


def test_cells_skipped_and_out_of_order_are_one_warning(assignment, out):
    write_counted_notebook(assignment / "softmax.ipynb", [1, None, None, None, 3, 2])
    warnings = cs.make_submission_zip("assignment1", assignment, out)
    assert len(warnings) == 1
    assert warnings[0].startswith(
        "softmax.ipynb: not run from top to bottom in one go (cell 7 ran before a cell "
        "above it; cells 3-5 were not run while cells below were; ")


def test_a_notebook_never_run_gets_only_the_never_run_warning(assignment, out):
    write_counted_notebook(assignment / "knn.ipynb", [None, None, None])
    warnings = cs.make_submission_zip("assignment1", assignment, out)
    assert len(warnings) == 1 and warnings[0].startswith("knn.ipynb: no code cell has been run")


def test_numbers_are_listed_with_ranges():
    assert cs._numbers([2, 3]) == "2, 3"
    assert cs._numbers([9, 4, 7, 8, 12, 13, 14, 15]) == "4, 7-9, 12-15"
    assert cs._cells([5]) == "cell 5" and cs._cells([1, 2]) == "cells 1, 2"


# ------------------------------------------------------------- --check

def grade_metadata(grade_id, points, **extra):
    meta = {"schema_version": 3, "grade": True, "solution": False, "locked": True,
            "task": False, "grade_id": grade_id, "points": points}
    meta.update(extra)
    return {"nbgrader": meta}


TINY = Assignment(name="tiny", package="tp", notebooks=("tiny",),
                  modules=("__init__.py", "ops.py"))
TINY_TESTS = [  # (grade_id, points, source)
    ("test_double", 2, "from tp.ops import double\nassert double(2) == 4"),
    ("test_quick_mode", 1, "import os\nfrom cs_utils.notebook import QUICK\n"
                           "assert QUICK, 'not run in quick mode'\n"
                           "assert os.environ['NBGRADER_EXECUTION'] == 'autograde'"),
    ("test_python_warning", 1, "import warnings\n"
                               "warnings.warn('log of zero', RuntimeWarning)"),
    ("test_stderr", 3, "import sys\nprint('debugging', file=sys.stderr)"),
    ("test_triple", 3, "from tp.ops import double\n"
                       "assert double(3) == 7, 'double(3) should be 7'"),
    ("test_partial", 4, "2  # a number as the last expression: 2 of the 4 points"),
]


def make_tiny(tmp_path, monkeypatch, tests=TINY_TESTS, before_tests="x = 1"):
    """The one-notebook assignment ``tiny`` (known to the table for this test), every
    cell run in order, its test cells as the release ships them."""
    from nbgrader.utils import compute_checksum

    monkeypatch.setitem(ASSIGNMENTS, "tiny", TINY)
    for name in ("CI", "COURSE_QUICK", "NBGRADER_EXECUTION"):  # only --check may set quick mode
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "tiny"
    (folder / "tp").mkdir(parents=True)
    (folder / "tp" / "__init__.py").write_text("")
    (folder / "tp" / "ops.py").write_text("def double(x):\n    return 2 * x\n")
    cells = [new_markdown_cell("# Tiny"), new_code_cell(before_tests)]
    for grade_id, points, source in tests:
        cell = new_code_cell(source, metadata=grade_metadata(grade_id, points))
        cell.metadata.nbgrader["checksum"] = compute_checksum(cell)
        cells.append(cell)
    for count, cell in enumerate(cells[1:], start=1):
        cell.execution_count = count
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, str(folder / "tiny.ipynb"))
    return folder


@pytest.mark.slow
def test_check_reports_each_test_cell_as_the_grader_scores_it(tmp_path, monkeypatch, capsys):
    folder = make_tiny(tmp_path, monkeypatch)
    notebook = folder / "tiny.ipynb"
    nb = nbformat.read(str(notebook), as_version=4)
    nb.cells[2].source += "\n# my note"  # a student's edit of a test cell
    nbformat.write(nb, str(notebook))
    saved = notebook.read_bytes()
    zip_path = tmp_path / "tiny_submission.zip"

    code = cs.main(["tiny", "--check", "--assignment-dir", str(folder), "-o", str(zip_path)])

    captured = capsys.readouterr()
    assert code == cs.EXIT_TESTS_FAIL == 3
    assert members(zip_path) == ["tiny.ipynb", "tp/__init__.py", "tp/ops.py"]
    assert notebook.read_bytes() == saved  # the run never writes the notebook
    assert "NBGRADER_EXECUTION" not in os.environ
    lines = captured.out.splitlines()
    header = next(line for line in lines if line.startswith("tiny.ipynb ran in "))
    assert re.fullmatch(r"tiny\.ipynb ran in \d+\.\d s: 3 of 6 test cells pass their "
                        r"visible tests: at most 6 of 14 points \(the hidden tests decide "
                        r"the rest\)", header), header
    start = lines.index(header)
    assert lines[start + 1:start + 8] == [
        "  passed cell 3 (test_double, 2 points)",
        "  passed cell 4 (test_quick_mode, 1 point)",
        "  passed cell 5 (test_python_warning, 1 point)",
        "  FAILED cell 6 (test_stderr, 3 points): wrote to stderr (debugging), which the "
        "grader scores 0",
        "  FAILED cell 7 (test_triple, 3 points): AssertionError: double(3) should be 7",
        "  FAILED cell 8 (test_partial, 4 points): partial credit, 2 of 4 points",
        "  cell 3 is a test cell you changed; the grader runs the original, so its "
        "verdict above may not hold. Copy the original from a fresh copy of the notebook.",
    ]
    wrote = next(i for i, line in enumerate(lines) if line.startswith(f"Wrote {zip_path}: 3 files"))
    assert lines.index("Running tiny.ipynb ...") < start < wrote  # verdicts before the zip
    assert ("--check: 3 visible test cell(s) fail, in tiny.ipynb. The zip was written "
            "anyway") in captured.out
    assert captured.err == ""


@pytest.mark.slow
def test_check_passes_a_finished_notebook_with_exit_status_zero(tmp_path, monkeypatch, capsys):
    folder = make_tiny(tmp_path, monkeypatch, tests=TINY_TESTS[:3])
    zip_path = tmp_path / "tiny_submission.zip"
    assert cs.main(["tiny", "--check", "--assignment-dir", str(folder),
                    "-o", str(zip_path)]) == 0
    out = capsys.readouterr().out
    assert "3 of 3 test cells pass their visible tests: at most 4 of 4 points" in out
    assert "--check: every visible test passes in the 1 notebook(s)." in out
    assert members(zip_path) == ["tiny.ipynb", "tp/__init__.py", "tp/ops.py"]


@pytest.mark.slow
def test_check_scores_zero_for_tests_after_the_kernel_died(tmp_path, monkeypatch):
    tests = [TINY_TESTS[0], ("test_after_exit", 2, "import os\nos._exit(1)"),
             ("test_never_reached", 5, "assert True")]
    folder = make_tiny(tmp_path, monkeypatch, tests=tests)
    verdict = cs.check_visible_tests(folder / "tiny.ipynb")
    assert verdict.problem.startswith("DeadKernelError")
    assert [(t.number, t.grade_id, t.score, t.passed, t.error) for t in verdict.tests] == [
        (3, "test_double", 2.0, True, ""),
        (4, "test_after_exit", 0.0, False,
         f"NotRun: the run stopped in this cell ({verdict.problem})"),
        (5, "test_never_reached", 0.0, False, "did not run"),
    ]
    assert not verdict.ok
    assert "the run stopped early (DeadKernelError" in "\n".join(cs.describe_verdict(verdict))


def test_check_without_nbgrader_says_what_to_install_and_writes_no_zip(assignment, out,
                                                                       monkeypatch, capsys):
    out.write_bytes(b"the zip from last week")
    monkeypatch.setitem(sys.modules, "nbgrader", None)  # import nbgrader raises ImportError
    code = cs.main(["assignment1", "--check", "--assignment-dir", str(assignment),
                    "-o", str(out)])
    assert code == 1
    err = capsys.readouterr().err
    assert "--check runs your notebooks with nbgrader, which is not installed" in err
    assert "pip install -r requirements.txt" in err and "collect without --check" in err
    assert out.read_bytes() == b"the zip from last week"


def test_duration_is_in_seconds_then_minutes():
    assert cs._duration(12.34) == "12.3 s"
    assert cs._duration(125.4) == "2 min 05 s"


# -------------------------------------------- the assignment as tab completion types it

@pytest.mark.parametrize("argument", ["assignment1/", "./assignment1", "./assignment1//"])
def test_script_takes_the_folder_as_tab_completion_writes_it(course, tmp_path, argument):
    result = run_collect(course, argument, cwd=course, path=python_only_path(tmp_path, "python3"))
    assert result.returncode == 0, result.stderr
    assert members(course / "assignment1_submission.zip") == expected_members()


def test_script_takes_dot_inside_the_assignment_folder(course, tmp_path):
    result = run_collect(course, ".", cwd=course / "assignment1",
                         path=python_only_path(tmp_path, "python3"))
    assert result.returncode == 0, result.stderr
    assert members(course / "assignment1_submission.zip") == expected_members()


def test_script_refuses_a_folder_of_another_course_copy(course, tmp_path):
    other = tmp_path / "other-copy"
    make_assignment(other / "assignment1")
    result = run_collect(course, "./assignment1", cwd=other,
                         path=python_only_path(tmp_path, "python3"))
    assert result.returncode == 2
    assert f"you named the folder {other / 'assignment1'}" in result.stderr
    assert f"this script collects {course / 'assignment1'}" in result.stderr
    assert not list(course.glob("*.zip")) and not list(other.glob("*.zip"))


def test_script_check_with_a_bare_python_explains_and_writes_no_zip(course, tmp_path):
    result = run_collect(course, "assignment1", "--check", cwd=course,
                         path=python_only_path(tmp_path, "python3"))
    assert result.returncode == 1
    assert "--check runs your notebooks with nbgrader, which is not installed" in result.stderr
    assert not list(course.glob("*.zip"))
