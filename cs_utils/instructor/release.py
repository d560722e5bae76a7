"""Build the student release: one complete student repository per assignment.

Steps for each assignment, in order (each a function of its own)::

    prepare course folder -> check the shared code it needs holds no graded work
    -> copy the shared files -> nbgrader generate_assignment (strips the notebooks)
    -> strip the student package -> check nothing leaked -> move into release/<assignment>/

Each repository holds the student README, requirements, packaging, the ``cs_utils``
modules that assignment imports (never the instructor tooling), the dataset script,
``collectSubmission.sh`` and the assignment with solutions stubbed and hidden tests
removed. A student of assignment N so receives no shared code that implements what is
graded in assignment N or later (Assignment 3's provided Adam ships with Assignment 3
only). Everything is written to a temporary folder next to the target and moved into
place only when complete.
"""

import shutil
import tempfile
from pathlib import Path


from ..assignments import ASSIGNMENTS, REPO_ROOT, get_assignment
from .course import IGNORED, Course
from .shared_code import SharedCodeError, graded_code_in, shared_modules_for
from .student_config import write_student_settings
from .strip import MARKERS, unstripped_files

STUDENT_README = Path(__file__).with_name("student_readme.md")
# Top-level files a student needs, copied as they are.
STUDENT_FILES = ("requirements.txt", "pyproject.toml", "setup.py", "collectSubmission.sh",
                 ".gitignore")


class LeakError(RuntimeError):
    """A solution or hidden-test marker survived into the release."""


def generate_assignment(course, assignment):
    """Make the student version of one assignment in the course's ``release/`` folder.

    nbgrader strips the notebooks (and records the graded cells in the gradebook);
    the course's post-convert hook (``nbgrader_hooks.finish_student_version``, set in
    nbgrader_config.py) then strips the package, exactly as it does for formgrader's
    Generate button. nbgrader only logs a failing hook, so the result is checked here.
    """
    course.copy_source(assignment)
    proc = course.nbgrader("generate_assignment", assignment.name, "--force",
                           "--log-level=WARN")
    released = course.path("release", assignment.name)
    problems = unstripped_files(released, course.path("source", assignment.name))
    if problems:
        listing = "\n".join(f"  {assignment.name}/{path} {what}" for path, what in problems)
        log = (proc.stdout + proc.stderr)[-4000:]
        raise LeakError(f"the student version of {assignment.name} is not stripped:\n"
                        f"{listing}\nnbgrader's output:\n{log}")
    return released


def copy_shared_files(target, assignment, exchange_root=None, shared_files=None):
    """Everything of the repository that a student of ``assignment`` gets besides the
    assignment itself: the student README and top-level files, the dataset script, and
    the shared modules the assignment needs (see shared_code.py), and the student's
    nbgrader and Jupyter settings (``exchange_root``: see student_config.py).
    ``shared_files``: shared_modules_for(assignment), when already computed."""
    shutil.copyfile(STUDENT_README, target / "README.md")
    for name in STUDENT_FILES:
        shutil.copy2(REPO_ROOT / name, target / name)
    for relative in shared_files or shared_modules_for(assignment):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / relative, destination)
    datasets = target / "datasets"
    datasets.mkdir()
    for path in (REPO_ROOT / "datasets").iterdir():
        if path.is_file() and path.suffix in (".sh", ".md"):
            shutil.copy2(path, datasets / path.name)
    write_student_settings(target, exchange_root=exchange_root)


def graded_from(assignment):
    """The assignments whose graded work a student of ``assignment`` must not receive:
    this one and every later one of the course table."""
    names = list(ASSIGNMENTS)
    if assignment.name not in names or ASSIGNMENTS[assignment.name] != assignment:
        return [assignment]
    return [ASSIGNMENTS[name] for name in names[names.index(assignment.name):]]


def check_shared_code(assignment, shared_files=None):
    """Refuse a release whose shared code (``shared_files``, by default
    shared_modules_for(assignment)) holds graded work of this or a later assignment."""
    provided_by = list(ASSIGNMENTS.values()) + [assignment]
    findings = graded_code_in(shared_files or shared_modules_for(assignment),
                              graded_from(assignment),
                              provided_by=provided_by)
    if findings:
        listing = "\n".join(f"  {finding}" for finding in findings)
        raise SharedCodeError(
            f"the shared code of the {assignment.name} release holds graded work:\n{listing}\n"
            "Shared code must not implement what students write in this assignment or a "
            "later one: take the student's function as an argument instead (see "
            "cs_utils/instructor/shared_code.py).")


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


def build_release(target=None, course_dir=None, assignments=None, exchange_root=None,
                  log=print):
    """Build one student repository per assignment, ``<target>/<assignment>/`` (target
    defaults to ``release/``); return the target folder. ``exchange_root``: the nbgrader
    exchange folder when the course hands assignments out through one (the students'
    JupyterLab then keeps its Assignment List).

    Each repository is assembled in a temporary folder, checked, and only then moved into
    place, replacing that assignment's previous release.
    """
    target = Path(target or REPO_ROOT / "release").resolve()
    assignments = [get_assignment(a) for a in (assignments or ASSIGNMENTS)]
    course = Course(course_dir or REPO_ROOT / "grading").prepare(assignments)
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        for assignment in assignments:
            shared_files = shared_modules_for(assignment)
            check_shared_code(assignment, shared_files)
            repository = staging / assignment.name
            repository.mkdir()
            copy_shared_files(repository, assignment, exchange_root, shared_files)
            released = generate_assignment(course, assignment)
            shutil.copytree(released, repository / assignment.name, ignore=IGNORED)
            log(f"{assignment.name}: notebooks stripped by nbgrader, package stubbed, "
                f"{len(shared_files)} shared files")
        leaks = find_leaks(staging)
        if leaks:
            listing = "\n".join(f"  {path}: {marker}" for path, marker in leaks)
            raise LeakError(f"solution or hidden-test markers survived:\n{listing}")
        for assignment in assignments:
            final = target / assignment.name
            if final.exists():
                shutil.rmtree(final)
            (staging / assignment.name).rename(final)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    log(f"Release written to {target}: one student repository per assignment")
    return target
