"""Simulated students, for the demo and the tests.

A simulated student starts from the release, as a real one does, and either hands it
in untouched, fills in the reference solutions, or fills them in and then plants a bug.
"""

import shutil
from pathlib import Path

import nbformat

from .course import IGNORED
from .strip import remove_markers


def start_from_release(release_assignment, workdir):
    """Copy the released assignment folder into ``workdir`` and return the copy."""
    target = Path(workdir) / Path(release_assignment).name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(release_assignment, target, ignore=IGNORED)
    return target


def fill_in_solutions(student_dir, assignment):
    """Write the reference solutions into a student's copy of an assignment.

    Notebooks: every solution cell gets the source cell of the same grade id with the
    markers dropped. Package: every module gets the source module with markers dropped.
    """
    student_dir = Path(student_dir)
    for notebook in assignment.notebook_files:
        source = nbformat.read(assignment.folder / notebook, as_version=4)
        answers = {cell.metadata["nbgrader"]["grade_id"]: cell.source
                   for cell in source.cells
                   if cell.metadata.get("nbgrader", {}).get("solution")}
        student = nbformat.read(student_dir / notebook, as_version=4)
        for cell in student.cells:
            grading = cell.metadata.get("nbgrader", {})
            if grading.get("solution"):
                cell.source = remove_markers(answers[grading["grade_id"]])
        nbformat.write(student, student_dir / notebook)
    package = assignment.folder / assignment.package
    for path in package.rglob("*.py"):
        if "__pycache__" in path.parts:
            continue
        target = student_dir / path.relative_to(assignment.folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(remove_markers(path.read_text()))


def plant_bug(student_dir, relative_file, old, new):
    """Replace the single occurrence of ``old`` by ``new`` in a student's file."""
    path = Path(student_dir) / relative_file
    text = path.read_text()
    if text.count(old) != 1:
        raise ValueError(f"{relative_file}: expected {old!r} exactly once, "
                         f"found it {text.count(old)} times")
    path.write_text(text.replace(old, new))
