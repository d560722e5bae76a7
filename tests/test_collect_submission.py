"""collectSubmission.sh and cs_utils.collect_submission on a fake assignment folder.

The folder is built in tmp_path from the assignment table (small notebooks made with
nbformat, one-line modules), so these tests do not depend on the real notebooks.
"""

import os
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

