"""Build the student release: a complete student copy of the repository.

Steps, in order (each a function of its own)::

    prepare course folder  -> copy instructor source -> nbgrader generate_assignment
    -> strip the student packages -> assemble release/ -> check nothing leaked

The release holds the student README, requirements, packaging, ``cs_utils`` (without
this instructor tooling), the dataset script, ``collectSubmission.sh`` and every
assignment with solutions stubbed and hidden tests removed. It is written to a
temporary folder next to the target and moved into place only when complete.
"""

import shutil
import tempfile
from pathlib import Path

import nbformat

from ..assignments import ASSIGNMENTS, REPO_ROOT, get_assignment
from .course import IGNORED, Course
from .strip import ANSWERS_CELL_STUB, MARKERS, NOTEBOOK_CODE_STUB, strip_file

STUDENT_README = Path(__file__).with_name("student_readme.md")
# Top-level files a student needs, copied as they are.
STUDENT_FILES = ("requirements.txt", "pyproject.toml", "setup.py", "collectSubmission.sh",
                 ".gitignore")


class LeakError(RuntimeError):
    """A solution or hidden-test marker survived into the release."""


def generate_assignment(course, assignment):
    """Make the student version of one assignment in the course's ``release/`` folder.

    nbgrader strips the notebooks (and records the graded cells in the gradebook);
    it copies the package unchanged, so the package is stripped here right after.
    """
    course.copy_source(assignment)
    course.nbgrader("generate_assignment", assignment.name, "--force", "--log-level=WARN")
    released = course.path("release", assignment.name)
    strip_package(released, assignment)
    for notebook in assignment.notebook_files:
        keep_answer_cells_runnable(released / notebook)
    return released


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


def strip_package(assignment_release, assignment):
    """Stub the solution regions of the student package's .py files in place."""
    package = Path(assignment_release) / assignment.package
    stripped = []
    for path in sorted(package.rglob("*.py")):
        display = f"{assignment.name}/{path.relative_to(assignment_release).as_posix()}"
        if strip_file(path, display_name=display):
            stripped.append(display)
    return stripped


def copy_shared_files(target):
    """Everything of the repository that students get besides the assignments."""
    shutil.copyfile(STUDENT_README, target / "README.md")
    for name in STUDENT_FILES:
        shutil.copy2(REPO_ROOT / name, target / name)
    shutil.copytree(REPO_ROOT / "cs_utils", target / "cs_utils",
                    ignore=shutil.ignore_patterns("instructor", "__pycache__", "*.pyc",
                                                  "*.so", "*.c"))
    datasets = target / "datasets"
    datasets.mkdir()
    for path in (REPO_ROOT / "datasets").iterdir():
        if path.is_file() and path.suffix in (".sh", ".md"):
            shutil.copy2(path, datasets / path.name)


def find_leaks(root):
    """Every (file, marker) pair where a solution or hidden-test marker survives."""
    leaks = []
    for path in sorted(Path(root).rglob("*")):
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        leaks.extend((path.relative_to(root).as_posix(), m) for m in MARKERS if m in text)
    return leaks


def build_release(target=None, course_dir=None, assignments=None, log=print):
    """Build the student release in ``target`` (default ``release/``); return its path."""
    target = Path(target or REPO_ROOT / "release").resolve()
    assignments = [get_assignment(a) for a in (assignments or ASSIGNMENTS)]
    course = Course(course_dir or REPO_ROOT / "grading").prepare(assignments)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        copy_shared_files(staging)
        for assignment in assignments:
            released = generate_assignment(course, assignment)
            shutil.copytree(released, staging / assignment.name, ignore=IGNORED)
            log(f"{assignment.name}: notebooks stripped by nbgrader, package stubbed")
        leaks = find_leaks(staging)
        if leaks:
            listing = "\n".join(f"  {path}: {marker}" for path, marker in leaks)
            raise LeakError(f"solution or hidden-test markers survived:\n{listing}")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    log(f"Release written to {target}")
    return target
