"""What nbgrader itself runs so that its student versions hold no solution.

nbgrader strips the notebooks of an assignment and copies every other file of
``source/<assignment>`` into ``release/<assignment>`` as it is, reference solutions in
the packages' ``.py`` files included. The course's ``nbgrader_config.py`` plugs in two
steps of its own, so that every way nbgrader offers gives the same student version as
``make release``:

- ``GenerateAssignment.post_convert_hook = finish_student_version``: after nbgrader
  has written ``release/<assignment>`` (``nbgrader generate_assignment``, formgrader's
  Generate button, and ``make release``, which runs the same command), strip every
  ``.py`` file with ``strip.strip_file`` and give concept-check answer cells their
  runnable stub.
- ``ExchangeFactory.release_assignment = CheckedReleaseAssignment``: nbgrader's
  ``release_assignment`` (command line or formgrader's Release button) refuses to
  publish a ``release/<assignment>`` whose ``.py`` files are not clean stubs.

nbgrader runs the hook inside ``try/except Exception`` and only logs a failure at INFO
level (``BaseConverter.run_post_convert_hook`` in nbgrader 0.9), then reports success.
So the hook fails closed: when anything goes wrong it deletes every ``.py`` file of the
release that it cannot show to be a clean stub, logs an ERROR naming them, and then
raises. The exchange check and the autograder's stub check (``submissions.py``) catch a
release made without the hook.
"""

import os
from pathlib import Path

import nbformat
from nbgrader.exchange.default import ExchangeReleaseAssignment
from traitlets.log import get_logger

from .strip import (ANSWERS_CELL_STUB, NOTEBOOK_CODE_STUB, python_files, strip_file,
                    unstripped_files)

# nbgrader's default folder names, which the course folder uses (see course.py).
SOURCE_DIRECTORY = "source"
RELEASE_DIRECTORY = "release"


class StudentVersionError(RuntimeError):
    """The student version could not be finished, or is not clean."""


def assignment_folders(notebooks):
    """(source folder, release folder) of the assignment whose ``notebooks`` (the
    instructor notebooks nbgrader just converted) nbgrader passes to the hook."""
    if not notebooks:
        raise StudentVersionError("nbgrader passed no notebooks to the post-convert hook")
    source = Path(notebooks[0]).resolve().parent
    if source.parent.name != SOURCE_DIRECTORY:
        raise StudentVersionError(
            f"{source} is not in a {SOURCE_DIRECTORY}/ folder: the course's hook expects "
            f"nbgrader's default course layout")
    return source, source.parent.parent / RELEASE_DIRECTORY / source.name


def finish_student_version(assignment=None, student=None, notebooks=(), **_):
    """nbgrader's post-convert hook for GenerateAssignment (called with keywords only).

    Strips each ``.py`` file of the new ``release/<assignment>`` as ``make release``
    does (display names ``<assignment>/<path>``), keeps concept-check answer cells
    runnable, then checks the result against the source. Returns the display names
    of the stripped files.
    """
    log = get_logger()
    try:
        source, released = assignment_folders(notebooks)
    except StudentVersionError as exc:
        log.error("THE .py FILES OF THE STUDENT VERSION WERE NOT STRIPPED: %s", exc)
        raise
    name = released.name
    try:
        stripped = strip_python_files(released)
        for notebook in sorted(released.glob("*.ipynb")):
            keep_answer_cells_runnable(notebook)
        problems = unstripped_files(released, source)
        if problems:
            raise StudentVersionError("; ".join(f"{path} {what}" for path, what in problems))
    except BaseException as exc:
        removed = remove_unverified(released, source)
        log.error("STUDENT VERSION OF %s IS INCOMPLETE: stripping its .py files failed "
                  "(%s: %s). Removed from %s so that no solution is handed out: %s. "
                  "Fix the source and generate the assignment again.",
                  name, type(exc).__name__, exc, released, ", ".join(removed) or "nothing")
        raise
    log.info("Stripped the solutions of %d .py file(s) of %s", len(stripped), name)
    return stripped


def keep_answer_cells_runnable(notebook_path):
    """Swap nbgrader's raising stub in concept-check answer cells for a plain comment.

    Only the cells whose ``grade_id`` ends in ``_answers`` change; they are not graded
    cells, so the gradebook's record of the notebook is unaffected. Returns the number
    of cells changed.
    """
    nb = nbformat.read(notebook_path, as_version=4)
    changed = 0
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if cell.cell_type == "code" and grade_id.endswith("_answers") \
                and NOTEBOOK_CODE_STUB in cell.source:
            cell.source = cell.source.replace(NOTEBOOK_CODE_STUB, ANSWERS_CELL_STUB)
            changed += 1
    if changed:
        nbformat.write(nb, notebook_path)
    return changed


def strip_python_files(released):
    """Strip every .py file of the student version ``released`` in place; return the
    display names (``<assignment>/<path>``, as the stubs name them) of those changed."""
    stripped = []
    for path in python_files(released):
        display = f"{released.name}/{path.relative_to(released).as_posix()}"
        if strip_file(path, display_name=display):
            stripped.append(display)
    return stripped


def remove_unverified(released, source):
    """Delete every .py file of ``released`` that is not shown to be a clean stub of
    its copy in ``source``; return their relative paths."""
    removed = []
    try:
        bad = {path for path, _ in unstripped_files(released, source)}
    except Exception:  # the check itself failed: trust no file
        bad = {path.relative_to(released).as_posix() for path in python_files(released)}
    for relative in sorted(bad):
        path = Path(released) / relative
        if path.exists():
            path.unlink()
            removed.append(relative)
    return removed


class CheckedReleaseAssignment(ExchangeReleaseAssignment):
    """nbgrader's ``release_assignment``, refusing a student version whose .py files
    still hold solutions or miss a stripped module."""

    def init_src(self):
        super().init_src()
        released = os.path.normpath(self.src_path)
        source = os.path.normpath(self.coursedir.format_path(
            self.coursedir.source_directory, ".", self.coursedir.assignment_id))
        problems = unstripped_files(released, source)
        if problems:
            listing = "; ".join(f"{path} {what}" for path, what in problems)
            self.fail(f"Refusing to release {self.coursedir.assignment_id}: its student "
                      f"version in {released} is not stripped ({listing}). Generate "
                      f"the assignment again in this course folder (its nbgrader_config.py "
                      f"strips the .py files) and release it then.")
