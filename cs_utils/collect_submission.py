"""Build the zip a student hands in for one assignment.

    bash collectSubmission.sh assignment1
    python -m cs_utils.collect_submission assignment1 [--assignment-dir DIR] [--output ZIP]

The zip holds exactly what the autograder imports, with paths relative to the
assignment folder: the assignment's notebooks (``knn.ipynb``) and every ``.py`` file
of its student package (``a1/knn.py``, and any helper module a student added).
Nothing else goes in: no datasets, caches, checkpoints or saved arrays.

The steps run top to bottom in :func:`make_submission_zip` and each can be used alone:

1. :func:`find_files` lists the files to submit, failing if a required one is missing;
2. :func:`check_notebook` and :func:`check_module` read each file, failing on a
   notebook that cannot be read and warning about unrun cells, error outputs and
   syntax errors;
3. :func:`write_zip` writes the zip atomically: a temporary file renamed into place.

Only the standard library is used, so the script works in any Python 3 even before
the course requirements are installed.
"""

import argparse
import json
import os
import sys
import tempfile
import warnings as python_warnings
import zipfile
from pathlib import Path

from cs_utils import assignments
from cs_utils.assignments import ASSIGNMENTS, REPO_ROOT, get_assignment

# Folders never searched for package modules.
SKIPPED_FOLDERS = {"__pycache__", ".ipynb_checkpoints", "datasets", "checkpoints"}


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
    no code cell was ever run, or if cells hold error outputs.
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
            "(Kernel > Restart & Run All), save it, and collect again.")
    failed = [number for number, cell in enumerate(cells, start=1)
              if cell.get("cell_type") == "code"
              and any(isinstance(out, dict) and out.get("output_type") == "error"
                      for out in cell.get("outputs") or [])]
    if failed:
        numbers = ", ".join(str(n) for n in failed)
        warnings.append(
            f"{name}: {len(failed)} cell(s) end with an error (cell {numbers}). Fix "
            "them or make sure you meant it, rerun the notebook, save, and collect again.")
    return warnings


def check_module(path, name=None):
    """Warnings about the Python module at ``path``: a syntax error would make every
    test that imports the package fail."""
    path = Path(path)
    name = name or path.name
    try:
        source = path.read_bytes()
        with python_warnings.catch_warnings():
            python_warnings.simplefilter("ignore")  # e.g. invalid escapes: not our business
            compile(source, name, "exec", dont_inherit=True)
    except SyntaxError as err:
        return [f"{name}: syntax error on line {err.lineno} ({err.msg}); every test "
                "that imports your package will fail until you fix it."]
    except ValueError as err:  # for example a null byte in the file
        return [f"{name}: Python cannot read this file ({err})."]
    return []


# ------------------------------------------------------------------ 3. the zip

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

def default_output(assignment_name):
    return REPO_ROOT / f"{assignment_name}_submission.zip"


def make_submission_zip(assignment_name, assignment_dir=None, output_path=None):
    """Check an assignment folder and write its submission zip.

    ``assignment_name`` is a name from the assignment table or an ``Assignment``.
    ``assignment_dir`` defaults to the assignment's folder and ``output_path`` to
    ``<repository>/<assignment>_submission.zip``. Returns the list
    of warnings (the zip is written anyway). Raises :class:`SubmissionError` when no
    zip can be made; ``output_path`` is then left untouched.
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
    try:
        write_zip(files, assignment_dir, output_path)
    except OSError as err:
        raise SubmissionError(f"could not write {output_path}: {err}",
                              [str(output_path)]) from None
    return warnings


def _size(n):
    for unit in ("bytes", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024


def main(argv=None):
    """Command line: exit 0 when the zip was written (even with warnings), 1 when it
    could not be, 2 for a usage error."""
    known = ", ".join(sorted(ASSIGNMENTS))
    parser = argparse.ArgumentParser(
        prog="collectSubmission.sh",
        description="Make the zip to hand in for one assignment.",
        epilog=f"known assignments: {known}")
    parser.add_argument("assignment", nargs="?", help=f"the assignment folder name ({known})")
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

    output = args.output or default_output(args.assignment)
    try:
        warnings = make_submission_zip(args.assignment, args.assignment_dir, output)
    except UnknownAssignmentError as err:
        parser.print_usage(sys.stderr)
        print(f"collectSubmission.sh: error: {err}", file=sys.stderr)
        return 2
    except SubmissionError as err:
        print(f"collectSubmission.sh: error: {err}", file=sys.stderr)
        if output.exists():
            print(f"The older {output.name} was left as it was; it does not hold your "
                  "latest work.", file=sys.stderr)
        return 1

    for warning in warnings:
        print(f"WARNING: {warning}", file=sys.stderr)
    with zipfile.ZipFile(output) as zf:
        names = zf.namelist()
    print(f"Wrote {output}: {len(names)} files, {_size(output.stat().st_size)}")
    for name in names:
        print(f"  {name}")
    if warnings:
        print(f"{len(warnings)} warning(s) above: fix them and collect again if you can.")
    print(f"Next: upload {output.name} to the course's submission page.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
