"""Build the zip a student hands in for one assignment.

    bash collectSubmission.sh assignment1           (assignment1/ and ./assignment1 work too)
    bash collectSubmission.sh assignment1 --check   first run the notebooks as the grader does
    python -m cs_utils.collect_submission assignment1 [--check] [--assignment-dir DIR]
                                          [--output ZIP]

The zip holds exactly what the autograder imports, with paths relative to the
assignment folder: the assignment's notebooks (``knn.ipynb``) and every ``.py`` file
of its student package (``a1/knn.py``, and any helper module a student added).
Nothing else goes in: no datasets, caches, checkpoints or saved arrays.

The steps run top to bottom (:func:`make_submission_zip` runs 1, 2 and 4; the command
line adds 3 with ``--check``) and each can be used alone:

1. :func:`find_files` lists the files to submit, failing if a required one is missing;
2. :func:`check_notebook` and :func:`check_module` read each file, failing on a
   notebook that cannot be read and warning about unrun cells, cells run out of
   order, error outputs, syntax errors and functions that are still stubs
   (:func:`prepare_submission` runs steps 1 and 2);
3. :func:`check_visible_tests` runs a notebook as the grader does (:class:`Grader`:
   nbgrader's own steps with the course's settings, in quick mode) and returns the
   verdict of each of its autograded test cells;
4. :func:`write_zip` writes the zip atomically: a temporary file renamed into place.

Steps 1, 2 and 4 use only the standard library, so the script works in any Python 3
even before the course requirements are installed. Step 3 imports nbgrader only when
it is asked for, and says what to install when it is missing.
"""

import argparse
import ast
import contextlib
import json
import os
import sys
import tempfile
import time
import warnings as python_warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from cs_utils import assignments
from cs_utils.assignments import ASSIGNMENTS, REPO_ROOT, get_assignment

# Folders never searched for package modules.
SKIPPED_FOLDERS = {"__pycache__", ".ipynb_checkpoints", "datasets", "checkpoints"}
# What every "run it again" advice says (the menu item's name in JupyterLab).
RESTART_AND_RUN_ALL = "Kernel > Restart Kernel and Run All Cells"
# Exit status of the command line when --check finds a failing visible test (the zip
# is written all the same).
EXIT_TESTS_FAIL = 3

class SubmissionError(Exception):
    """The submission cannot be built; the message says what to fix.

    ``problems`` lists the individual problems (for example every missing file).
    """

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.problems = list(problems)


class UnknownAssignmentError(SubmissionError):
    """The assignment name is not in the table of ``cs_utils.assignments``."""


def lookup_assignment(name):
    """The :class:`~cs_utils.assignments.Assignment` called ``name`` (an
    ``Assignment`` itself is returned as it is)."""
    try:
        return get_assignment(name)
    except assignments.UnknownAssignmentError as exc:
        raise UnknownAssignmentError(str(exc), [name]) from None


# ---------------------------------------------------------------- 1. the files

def package_modules(assignment, assignment_dir):
    """Every ``.py`` file under the package folder, as paths relative to
    ``assignment_dir`` in posix form, sorted. Caches, checkpoints, data folders and
    hidden folders are skipped."""
    assignment_dir = Path(assignment_dir)
    package_dir = assignment_dir / assignment.package
    found = []
    for folder, subfolders, files in os.walk(package_dir):
        subfolders[:] = sorted(d for d in subfolders
                               if d not in SKIPPED_FOLDERS and not d.startswith("."))
        for name in files:
            if name.endswith(".py") and not name.startswith("."):
                found.append((Path(folder) / name).relative_to(assignment_dir).as_posix())
    return sorted(found)


def find_files(assignment, assignment_dir):
    """The files to submit, relative to ``assignment_dir``: the notebooks in table
    order, then the package's modules. Raises :class:`SubmissionError` naming every
    required file that is missing."""
    assignment_dir = Path(assignment_dir)
    if not assignment_dir.is_dir():
        raise SubmissionError(
            f"the assignment folder {assignment_dir} does not exist; run this script "
            f"from the course folder that holds {assignment.name}/", [str(assignment_dir)])
    missing = [f for f in assignment.required_files if not (assignment_dir / f).is_file()]
    if missing:
        lines = "\n".join(f"  {assignment.name}/{f}" for f in missing)
        raise SubmissionError(
            f"{len(missing)} required file(s) missing from {assignment_dir}:\n{lines}\n"
            "Restore them (from your backup or a fresh copy of the assignment) and run "
            "this script again. No zip was written.", missing)
    modules = package_modules(assignment, assignment_dir)
    return list(assignment.notebook_files) + modules


# --------------------------------------------------------------- 2. the checks

def check_notebook(path, name=None):
    """Warnings about the notebook at ``path`` (``name`` is how messages call it).

    Raises :class:`SubmissionError` if the file is not a readable notebook. Warns if
    no code cell was ever run, if cells were run out of order or skipped (see
    :func:`run_order_problems`), or if cells hold error outputs.
    """
    path = Path(path)
    name = name or path.name
    fix = (f"Open {name} in Jupyter to see what is wrong. If it does not open, copy "
           f"your work into a fresh copy of the notebook (an autosaved version may be "
           f"in .ipynb_checkpoints/), save it, and run this script again.")
    try:
        with open(path, encoding="utf-8") as f:
            notebook = json.load(f)
    except json.JSONDecodeError as err:
        raise SubmissionError(
            f"{name} is not valid JSON (line {err.lineno}, column {err.colno}: "
            f"{err.msg}), so it is not a notebook the autograder can read. {fix}",
            [name]) from None
    except UnicodeDecodeError:
        raise SubmissionError(f"{name} is not a text file, so it is not a notebook. {fix}",
                              [name]) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("nbformat"), int):
        raise SubmissionError(f"{name} is JSON but not a Jupyter notebook. {fix}", [name])
    if notebook["nbformat"] < 4:
        raise SubmissionError(
            f"{name} is saved in the old notebook format {notebook['nbformat']}. Open it "
            "in Jupyter, save it (which converts it), and run this script again.", [name])
    cells = notebook.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise SubmissionError(f"{name} has no readable list of cells. {fix}", [name])

    code_cells = [c for c in cells if c.get("cell_type") == "code"]
    warnings = []
    if code_cells and all(c.get("execution_count") is None for c in code_cells):
        warnings.append(
            f"{name}: no code cell has been run. Run it top to bottom "
            f"({RESTART_AND_RUN_ALL}), save it, and collect again.")
    else:
        warnings += run_order_warnings(cells, name)
    failed = [number for number, cell in enumerate(cells, start=1)
              if cell.get("cell_type") == "code"
              and any(isinstance(out, dict) and out.get("output_type") == "error"
                      for out in cell.get("outputs") or [])]
    if failed:
        warnings.append(
            f"{name}: {len(failed)} cell(s) end with an error (cell {_numbers(failed)}). "
            "Fix them or make sure you meant it, rerun the notebook, save, and collect "
            "again.")
    return warnings


def run_order_problems(cells):
    """How the code cells of a notebook's ``cells`` (dicts as in the .ipynb file) were
    run, compared with one run from the top: returns (out of order, skipped), lists of
    cell numbers (1 is the top cell, text cells included).

    Out of order: a cell whose execution count is not above every count of the cells
    above it (it ran before one of them, or one of them ran again after it). Skipped:
    a cell with no execution count while a cell below it has one. Empty code cells are
    never run by Jupyter and are left out; so are unrun cells at the end (a run that
    stopped early).
    """
    out_of_order, skipped, unrun = [], [], []
    highest = None
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source") or ""
        if isinstance(source, list):
            source = "".join(str(line) for line in source)
        if cell.get("cell_type") != "code" or not str(source).strip():
            continue
        count = cell.get("execution_count")
        if not isinstance(count, int):
            unrun.append(number)
            continue
        skipped += unrun
        unrun = []
        if highest is not None and count <= highest:
            out_of_order.append(number)
        highest = count if highest is None else max(highest, count)
    return out_of_order, skipped


def run_order_warnings(cells, name):
    """The warning about a notebook whose cells were not run top to bottom in one go
    (see :func:`run_order_problems`), or no warning."""
    out_of_order, skipped = run_order_problems(cells)
    findings = []
    if out_of_order:
        findings.append(f"{_cells(out_of_order)} ran before a cell above "
                        f"{'it' if len(out_of_order) == 1 else 'them'}")
    if skipped:
        findings.append(f"{_cells(skipped)} {'was' if len(skipped) == 1 else 'were'} not "
                        "run while cells below were")
    if not findings:
        return []
    return [f"{name}: not run from top to bottom in one go ({'; '.join(findings)}; cells "
            "are counted from the top, text cells included). Its saved outputs may not be "
            "what a fresh run gives, and the grader runs it fresh. Use "
            f"{RESTART_AND_RUN_ALL}, save, and collect again."]


def check_module(path, name=None):
    """Warnings about the Python module at ``path``: a syntax error would make every
    test that imports the package fail, and a function that still raises the stub's
    NotImplementedError fails every test that calls it."""
    path = Path(path)
    name = name or path.name
    try:
        source = path.read_bytes()
        with python_warnings.catch_warnings():
            python_warnings.simplefilter("ignore")  # e.g. invalid escapes: not our business
            compile(source, name, "exec", dont_inherit=True)
            unwritten = unwritten_functions(source)
    except SyntaxError as err:
        return [f"{name}: syntax error on line {err.lineno} ({err.msg}); every test "
                "that imports your package will fail until you fix it."]
    except ValueError as err:  # for example a null byte in the file
        return [f"{name}: Python cannot read this file ({err})."]
    if not unwritten:
        return []
    listing = ", ".join(f"{function} (line {line})" for function, line in unwritten)
    return [f"{name}: {len(unwritten)} function(s) still raise the stub's "
            f"NotImplementedError, so they are not written yet: {listing}. Every test "
            "that calls one of them fails. Write them, or ignore this for an optional "
            "extra you chose to skip."]


def unwritten_functions(source):
    """(qualified name, line) of every function of the module ``source`` whose own body
    raises NotImplementedError, as the release's stubs do, in the order of the file.

    A method that a subclass in the same module defines again is an interface that
    raises on purpose (``LinearClassifier.loss``) and is left out.
    """
    tree = ast.parse(source)
    overridden = _overridden_methods(tree)
    found = []
    for qualified, function, owner in _functions(tree.body):
        if owner is not None and (owner, function.name) in overridden:
            continue
        lines = [node.lineno for node in _own_nodes(function)
                 if isinstance(node, ast.Raise) and _is_not_implemented(node.exc)]
        if lines:
            found.append((qualified, min(lines)))
    return sorted(found, key=lambda item: item[1])


def _functions(body, prefix="", owner=None):
    """(qualified name, def node, name of the class it is a method of or None) for the
    functions and methods defined in ``body``, nested ones included."""
    for node in body:
        if isinstance(node, ast.ClassDef):
            yield from _functions(node.body, f"{prefix}{node.name}.", node.name)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield f"{prefix}{node.name}", node, owner
            yield from _functions(node.body, f"{prefix}{node.name}.")


def _own_nodes(function):
    """The nodes of ``function``'s body, without those of the functions, classes and
    lambdas defined inside it."""
    pending = list(function.body)
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                 ast.Lambda)):
            pending.extend(ast.iter_child_nodes(node))


def _is_not_implemented(exc):
    """True for the expression of ``raise NotImplementedError`` or
    ``raise NotImplementedError(...)``."""
    if isinstance(exc, ast.Call):
        exc = exc.func
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def _overridden_methods(tree):
    """(class name, method name) for every method that a subclass in ``tree`` (a base
    named plainly or as ``module.Class``) defines again."""
    overridden = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        methods = [item.name for item in node.body
                   if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for base in node.bases:
            base_name = base.attr if isinstance(base, ast.Attribute) else \
                getattr(base, "id", None)
            overridden.update((base_name, method) for method in methods)
    return overridden


def _numbers(numbers):
    """Sorted numbers as a short list: runs of three or more as ranges ("2, 3, 7-9")."""
    numbers = sorted(numbers)
    parts, start = [], 0
    for index in range(1, len(numbers) + 1):
        if index == len(numbers) or numbers[index] != numbers[index - 1] + 1:
            run = numbers[start:index]
            parts += [f"{run[0]}-{run[-1]}"] if len(run) >= 3 else [str(n) for n in run]
            start = index
    return ", ".join(parts)


def _cells(numbers):
    """"cell 4" or "cells 4, 7-9"."""
    return f"cell{'s' if len(numbers) > 1 else ''} {_numbers(numbers)}"


# ------------------------------------------------- 3. the grader's run (--check)

@dataclass(frozen=True)
class TestCellVerdict:
    """One autograded test cell after a run as the grader does it.

    ``number`` counts the notebook's cells from the top, text cells included;
    ``score`` of ``points`` is what the visible tests earn (the hidden ones may take
    some away); ``error`` is the first line of what went wrong, '' when it passed.
    """

    number: int
    grade_id: str
    score: float
    points: float
    passed: bool
    error: str = ""


@dataclass(frozen=True)
class NotebookVerdict:
    """A notebook's run: its test cells' verdicts, how long it took, the test cells
    the student changed (``changed``, cell numbers: the grader runs the released
    ones), and ``problem``, why the run stopped before the end ('' if it did not)."""

    name: str
    seconds: float
    tests: tuple
    changed: tuple = ()
    problem: str = ""

    @property
    def failed(self):
        return [test for test in self.tests if not test.passed]

    @property
    def ok(self):
        return not self.failed and not self.problem


class Grader:
    """Runs notebooks as the autograder does, with nbgrader's own machinery.

    The steps are those of nbgrader's validator with the ``IgnorePattern`` step that
    ``cs_utils.grading_settings`` puts after ``Execute`` (so validate and autograde
    judge alike): check the nbgrader metadata, clear the outputs, run every cell in a
    fresh kernel, drop Python warning lines from stderr. They are configured by
    ``apply_grading_settings`` (the per-cell time limit), and run with
    ``NBGRADER_EXECUTION=autograde``, which puts the notebooks in quick mode as the
    grader does. The notebook on disk is never written.

    nbgrader is imported here, not when this module loads; without it a
    :class:`SubmissionError` says what to install.
    """

    def __init__(self):
        try:
            import nbformat
            from nbgrader import utils
            from traitlets.config import Config

            from cs_utils.grading_settings import (apply_grading_settings,
                                                   validate_like_autograde)
        except ImportError as err:
            raise SubmissionError(
                f"--check runs your notebooks with nbgrader, which is not installed for "
                f"the Python this script uses ({sys.executable}: {err}). Activate the "
                "environment you installed the course requirements in (or install them: "
                "python -m pip install -r requirements.txt) and run this again, or "
                "collect without --check. No zip was written.", ["--check"]) from None
        self.nbformat = nbformat
        self.utils = utils
        self.config = apply_grading_settings(Config())
        # The kernel's own start-up log (a notice about its local TCP connection) is
        # noise to a student; cell outputs and verdicts are not affected.
        self.config.Execute.extra_arguments = ["--IPKernelApp.log_level=ERROR"]
        self.steps = validate_like_autograde()

    def read(self, path):
        """The notebook at ``path``."""
        return self.nbformat.read(str(path), as_version=4)

    def run(self, nb, folder):
        """Run the notebook ``nb`` in ``folder`` through the grader's steps. Returns
        (nb, problem): ``problem`` is '' or the first line of the error that stopped
        the run early; the code cells it did not reach have no execution count."""
        # Cleared here too, not only by nbgrader's ClearOutput: the step before it can
        # fail, and saved outputs must never count as this run's.
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        resources = {"metadata": {"path": str(folder)}}
        started = []  # indexes of the code cells sent to the kernel, in order
        self.config.Execute.on_cell_execute = \
            lambda cell, cell_index: started.append(cell_index)
        step = None
        try:
            with _environment(NBGRADER_EXECUTION="autograde"):
                for step in self.steps:
                    nb, resources = step(config=self.config).preprocess(nb, resources)
        except Exception as err:  # a kernel that does not start or dies, bad metadata
            problem = f"{type(err).__name__}: {_first_line(str(err))}"
            if step is not None and step.__name__ == "Execute" and started:
                # The cell the kernel died in; with no output it would seem to pass.
                nb.cells[started[-1]].outputs.append(self.nbformat.NotebookNode(
                    output_type="error", ename="NotRun", traceback=[],
                    evalue=f"the run stopped in this cell ({problem})"))
            return nb, problem
        return nb, ""

    def test_cells(self, nb):
        """(cell number, cell) for every autograded test cell of ``nb``."""
        return [(number, cell) for number, cell in enumerate(nb.cells, start=1)
                if cell.cell_type == "code" and self.utils.is_grade(cell)
                and not self.utils.is_solution(cell)]

    def changed_test_cells(self, nb):
        """Numbers of the test cells whose source differs from the released one (the
        checksum nbgrader stored in the release)."""
        return tuple(number for number, cell in self.test_cells(nb)
                     if "checksum" in cell.metadata.nbgrader
                     and cell.metadata.nbgrader["checksum"]
                     != self.utils.compute_checksum(cell))

    def verdicts(self, nb):
        """A :class:`TestCellVerdict` for each test cell of the run notebook ``nb``,
        scored as nbgrader's autograde scores it; a cell that did not run scores 0."""
        verdicts = []
        for number, cell in self.test_cells(nb):
            grade_id = cell.metadata.nbgrader.get("grade_id", "")
            points = float(cell.metadata.nbgrader.get("points", 0))
            if cell.get("execution_count") is None and not self.utils.has_failed(cell):
                verdicts.append(TestCellVerdict(number, grade_id, 0.0, points, False,
                                                "did not run"))
                continue
            score, points = self.utils.determine_grade(cell)
            passed = score >= points and not self.utils.has_failed(cell)
            verdicts.append(TestCellVerdict(
                number, grade_id, float(score), float(points), passed,
                "" if passed else _cell_error(cell, score, points)))
        return verdicts


def check_visible_tests(path, name=None, grader=None):
    """Run the notebook at ``path`` as the grader does (see :class:`Grader`) and return
    its :class:`NotebookVerdict`. The file is only read."""
    path = Path(path)
    grader = grader or Grader()
    started = time.monotonic()
    nb = grader.read(path)
    changed = grader.changed_test_cells(nb)
    nb, problem = grader.run(nb, path.parent)
    return NotebookVerdict(name or path.name, time.monotonic() - started,
                           tuple(grader.verdicts(nb)), changed, problem)


def describe_verdict(verdict):
    """The lines that report one notebook's :class:`NotebookVerdict` to a student."""
    tests = verdict.tests
    passed = sum(test.passed for test in tests)
    if tests:
        earned = sum(test.score for test in tests)
        total = sum(test.points for test in tests)
        summary = (f"{passed} of {len(tests)} test cells pass their visible tests: at "
                   f"most {earned:g} of {total:g} points (the hidden tests decide the rest)")
    else:
        summary = "no autograded test cells"
    lines = [f"{verdict.name} ran in {_duration(verdict.seconds)}: {summary}"]
    for test in tests:
        label = "passed" if test.passed else "FAILED"
        what = f"{label} cell {test.number} ({test.grade_id}, {_points(test.points)})"
        lines.append(f"  {what}: {test.error}" if test.error else f"  {what}")
    for number in verdict.changed:
        lines.append(f"  cell {number} is a test cell you changed; the grader runs the "
                     "original, so its verdict above may not hold. Copy the original from "
                     "a fresh copy of the notebook.")
    if verdict.problem:
        lines.append(f"  the run stopped early ({verdict.problem}); the test cells it did "
                     "not reach score 0.")
    return lines


@contextlib.contextmanager
def _environment(**values):
    """Set environment variables inside a with block; kernels started in it inherit
    them."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _first_line(text, limit=200):
    line = (str(text).strip().splitlines() or [""])[0].strip()
    return line if len(line) <= limit else line[:limit - 3] + "..."


def _cell_error(cell, score, points):
    """What made a test cell lose points, in one line."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            evalue = _first_line(output.get("evalue", ""))
            return f"{output.get('ename', 'Error')}: {evalue}" if evalue else \
                output.get("ename", "Error")
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return (f"wrote to stderr ({_first_line(output.get('text', ''))}), which the "
                    "grader scores 0")
    return f"partial credit, {score:g} of {points:g} points"


def _points(points):
    """"1 point", "2 points", "0.5 points"."""
    return f"{points:g} point{'' if points == 1 else 's'}"


def _duration(seconds):
    """12.3 s, or 2 min 05 s."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


# ------------------------------------------------------------------ 4. the zip

def write_zip(files, assignment_dir, output_path):
    """Write ``files`` (relative to ``assignment_dir``) into the zip ``output_path``.

    The zip is written to a temporary file next to it and renamed into place, so
    ``output_path`` is either the complete new zip or left as it was.
    """
    assignment_dir = Path(assignment_dir)
    output_path = Path(output_path)
    handle, temporary = tempfile.mkstemp(prefix=f".{output_path.name}.",
                                         suffix=".tmp", dir=output_path.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED,
                             strict_timestamps=False) as zf:
            for name in files:
                zf.write(assignment_dir / name, arcname=name)
        os.chmod(temporary, 0o644)
        os.replace(temporary, output_path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


# -------------------------------------------------------------- all together

@dataclass
class Submission:
    """A checked assignment folder, ready to zip: its files (relative to ``folder``)
    and the warnings about them."""

    assignment: assignments.Assignment
    folder: Path
    output: Path
    files: list
    warnings: list


def default_output(assignment_name):
    return REPO_ROOT / f"{assignment_name}_submission.zip"


def prepare_submission(assignment_name, assignment_dir=None, output_path=None):
    """Steps 1 and 2: find and check the files of an assignment folder.

    ``assignment_name`` is a name from the assignment table or an ``Assignment``.
    ``assignment_dir`` defaults to the assignment's folder and ``output_path`` to
    ``<repository>/<assignment>_submission.zip``. Returns a :class:`Submission`.
    Raises :class:`SubmissionError` when no zip can be made.
    """
    assignment = lookup_assignment(assignment_name)
    assignment_dir = Path(assignment_dir) if assignment_dir else assignment.folder
    output_path = Path(output_path) if output_path else default_output(assignment.name)
    if not output_path.parent.is_dir():
        raise SubmissionError(f"cannot write {output_path}: its folder does not exist",
                              [str(output_path)])

    files = find_files(assignment, assignment_dir)
    warnings = []
    for name in files:
        if name.endswith(".ipynb"):
            warnings += check_notebook(assignment_dir / name, name)
        else:
            warnings += check_module(assignment_dir / name, name)
    others = sorted(p.name for p in assignment_dir.glob("*.ipynb")
                    if p.name not in assignment.notebook_files)
    if others:
        warnings.append(
            f"not collected: {', '.join(others)}. Only the assignment's own notebooks "
            "are submitted; if you worked in one of these, rename it over the original.")
    return Submission(assignment, assignment_dir, output_path, files, warnings)


def write_submission(submission):
    """Step 4: write the zip of a :class:`Submission`; ``submission.output`` is left
    untouched if that fails (raises :class:`SubmissionError`)."""
    try:
        write_zip(submission.files, submission.folder, submission.output)
    except OSError as err:
        raise SubmissionError(f"could not write {submission.output}: {err}",
                              [str(submission.output)]) from None


def make_submission_zip(assignment_name, assignment_dir=None, output_path=None):
    """Check an assignment folder and write its submission zip (see
    :func:`prepare_submission` for the arguments). Returns the list of warnings (the
    zip is written anyway). Raises :class:`SubmissionError` when no zip can be made;
    ``output_path`` is then left untouched.
    """
    submission = prepare_submission(assignment_name, assignment_dir, output_path)
    write_submission(submission)
    return submission.warnings


def run_visible_tests(submission, grader, log=print):
    """Step 3: every notebook of ``submission`` run by ``grader`` (a :class:`Grader`),
    each reported through ``log`` as soon as it is done. Returns the verdicts."""
    log(f"Running each notebook as the grader does ({RESTART_AND_RUN_ALL} in a fresh "
        "kernel, quick mode, the grader's time limit and stderr rules); your saved "
        "notebooks are not changed.")
    verdicts = []
    for name in submission.files:
        if name.endswith(".ipynb"):
            log(f"Running {name} ...")
            verdict = check_visible_tests(submission.folder / name, name, grader)
            for line in describe_verdict(verdict):
                log(line)
            verdicts.append(verdict)
    return verdicts


def check_summary(verdicts):
    """The last line of a --check run."""
    failing = [v for v in verdicts if not v.ok]
    if not failing:
        return (f"--check: every visible test passes in the {len(verdicts)} notebook(s). "
                "The hidden tests decide the rest of the points.")
    count = sum(len(v.failed) for v in failing)
    names = ", ".join(v.name for v in failing)
    return (f"--check: {count} visible test cell(s) fail, in {names}. The zip was written "
            "anyway and holds your work as it is now: it earns the points of what "
            "passes. Fix what fails and collect again if you can.")


def assignment_argument(argument):
    """(name, folder) of the assignment as typed: a name (``assignment1``), or its
    folder as a path, the way tab completion writes it (``assignment1/``,
    ``./assignment1``, ``.`` inside it). ``folder`` is the Path the argument names
    when it is written as a path, else None."""
    if "/" not in argument and os.sep not in argument and argument not in (".", ".."):
        return argument, None
    return Path(os.path.abspath(argument)).name, Path(argument)


def _size(n):
    for unit in ("bytes", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024


def main(argv=None):
    """Command line: exit 0 when the zip was written (even with warnings), 1 when it
    could not be, 2 for a usage error, 3 when --check found a visible test failing or
    a notebook that did not run to the end (the zip is written then too)."""
    known = ", ".join(sorted(ASSIGNMENTS))
    parser = argparse.ArgumentParser(
        prog="collectSubmission.sh",
        description="Make the zip to hand in for one assignment.",
        epilog=f"known assignments: {known}")
    parser.add_argument("assignment", nargs="?",
                        help=f"the assignment folder ({known}; assignment1/ works too)")
    parser.add_argument("--check", action="store_true",
                        help="first run every notebook as the grader does and report its "
                             "visible tests (needs the course requirements)")
    parser.add_argument("--assignment-dir", type=Path, default=None,
                        help="where the assignment lives (default: the course folder's copy)")
    parser.add_argument("--output", "-o", type=Path, default=None,
                        help="the zip to write (default: <course folder>/<assignment>_submission.zip)")
    args = parser.parse_args(argv)
    if not args.assignment:
        parser.print_usage(sys.stderr)
        print(f"collectSubmission.sh: error: name the assignment to collect, for example "
              f"'bash collectSubmission.sh {sorted(ASSIGNMENTS)[0]}'; known assignments: "
              f"{known}", file=sys.stderr)
        return 2

    name, named_folder = assignment_argument(args.assignment)
    output = args.output or default_output(name)
    try:
        assignment = lookup_assignment(name)
        folder = args.assignment_dir or assignment.folder
        if named_folder is not None and named_folder.is_dir() \
                and named_folder.resolve() != Path(folder).resolve():
            parser.print_usage(sys.stderr)
            print(f"collectSubmission.sh: error: you named the folder "
                  f"{named_folder.resolve()}, but this script collects {folder}. Run the "
                  f"collectSubmission.sh of the course folder that holds the assignment "
                  f"you mean.", file=sys.stderr)
            return 2
        submission = prepare_submission(assignment, folder, output)
        verdicts = run_visible_tests(submission, Grader()) if args.check else None
        write_submission(submission)
    except UnknownAssignmentError as err:
        parser.print_usage(sys.stderr)
        print(f"collectSubmission.sh: error: {err}", file=sys.stderr)
        return 2
    except (SubmissionError, KeyboardInterrupt) as err:
        reason = err if isinstance(err, SubmissionError) else "interrupted; no zip was written."
        print(f"collectSubmission.sh: error: {reason}", file=sys.stderr)
        if output.exists():
            print(f"The older {output.name} was left as it was; it does not hold your "
                  "latest work.", file=sys.stderr)
        return 1 if isinstance(err, SubmissionError) else 130

    for warning in submission.warnings:
        print(f"WARNING: {warning}", file=sys.stderr)
    with zipfile.ZipFile(output) as zf:
        names = zf.namelist()
    print(f"Wrote {output}: {len(names)} files, {_size(output.stat().st_size)}")
    for member in names:
        print(f"  {member}")
    if submission.warnings:
        print(f"{len(submission.warnings)} warning(s) above: fix them and collect again "
              "if you can.")
    if verdicts is not None:
        print(check_summary(verdicts))
    print(f"Next: upload {output.name} to the course's submission page.")
    return EXIT_TESTS_FAIL if verdicts and not all(v.ok for v in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
