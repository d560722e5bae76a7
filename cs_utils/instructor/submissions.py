"""Import student zips (as collectSubmission.sh makes them) into nbgrader's tree.

For each zip: derive the student id from its name, extract only the files a
submission may hold (the notebooks and the package's .py files), refuse unsafe
members, fill missing package modules with the release stubs so that the rest of the
submission can still be graded (a stub is used only once it is checked to hold no line
of the reference solution), and make the notebooks safe for nbgrader (the cells of a
notebook that nbformat cannot read are recovered where the file still lists them, else
it is set aside; repeated grade ids are dropped). A zip with none of the assignment's
files cannot be graded. Every decision is written into the student's report; a missing
notebook is graded from the release's copy later (``sanitize.py``).
"""

import json
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from .strip import StripError, strip_source, stub_problems

MAX_MEMBER_BYTES = 50 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024
_UNSAFE_ID_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class ImportReport:
    """What happened to one student's zip."""

    student: str
    zip_name: str
    imported: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    gradable: bool = True
    zip_sha256: str = ""
    isolation: str = None  # the sandbox mode its notebooks ran in, once they ran
    notebook_seconds: dict = field(default_factory=dict)  # wall time of each notebook's run

    def problem(self, text):
        self.problems.append(text)


def student_id_for(zip_path, assignment):
    """``alice.zip`` or ``alice_assignment1_submission.zip`` -> ``alice``."""
    stem = Path(zip_path).name
    for suffix in (".zip", f"_{assignment.name}_submission", f"_{assignment.name}",
                   "_submission"):
        if stem.endswith(suffix) and len(stem) > len(suffix):
            stem = stem[: -len(suffix)]
    student = _UNSAFE_ID_CHARS.sub("_", stem).strip("._")
    return student or "unnamed"


def allowed_member(name, assignment):
    """The path inside the assignment folder for an allowed member, else None."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or ":" in name:
        raise ValueError(f"unsafe path {name!r}")
    parts = path.parts
    # Accept zips made one folder up (assignment1/knn.ipynb) as well.
    if parts and parts[0] == assignment.name:
        parts = parts[1:]
    if not parts:
        return None
    relative = PurePosixPath(*parts)
    if relative.as_posix() in assignment.notebook_files:
        return relative
    if parts[0] == assignment.package and relative.suffix == ".py" and len(parts) >= 2 \
            and "__pycache__" not in parts:
        return relative
    return None


def extract_submission(zip_path, destination, assignment, report):
    """Extract the allowed members of ``zip_path`` into ``destination``."""
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        report.problem(f"not a readable zip file ({exc}); nothing could be graded")
        report.gradable = False
        return
    with archive:
        total = 0
        for info in archive.infolist():
            if info.is_dir():
                continue
            try:
                relative = allowed_member(info.filename, assignment)
            except ValueError as exc:
                report.problem(f"skipped {exc}")
                continue
            if relative is None:
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                report.problem(f"skipped symbolic link {info.filename!r}")
                continue
            total += info.file_size
            if info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
                report.problem(f"skipped {info.filename!r}: the submission is too large")
                continue
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                report.problem(f"could not extract {info.filename!r} ({exc})")
                target.unlink(missing_ok=True)
                continue
            report.imported.append(relative.as_posix())


def fill_missing_modules(destination, release_dir, assignment, report, source_dirs):
    """Use the stub of each missing package module, so imports still work.

    ``source_dirs`` are the instructor copies of the assignment to check the stubs
    against (the course's ``source/`` and the repository's).
    """
    for module in assignment.module_files:
        target = destination / module
        if target.exists():
            continue
        stub = module_stub(module, release_dir, source_dirs, assignment, report)
        if stub is None:
            report.problem(f"missing {module}: no stub could be made, so it is graded "
                           f"without it")
            continue
        report.problem(f"missing {module}: graded with the unchanged stub")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(stub, encoding="utf-8")


def module_stub(module, release_dir, source_dirs, assignment, report):
    """The student stub of ``module``: the release's copy when it holds no marker and
    no line of any instructor copy's solutions, else one stripped from the instructor
    source (the reason goes into the report). None if neither can be had."""
    sources = []
    for folder in source_dirs:
        path = (Path(folder) / module).resolve()
        if path.is_file() and path not in sources:
            sources.append(path)
    if not sources:
        report.problem(f"{module}: no instructor copy to check a stub against")
        return None
    source_texts = [path.read_text(encoding="utf-8") for path in sources]
    released = Path(release_dir) / module
    if released.is_file():
        text = released.read_text(encoding="utf-8")
        problems = sorted({problem for source_text in source_texts
                           for problem in stub_problems(text, source_text)})
        if not problems:
            return text
        reason = f"the release's copy is not stripped (it {'; '.join(problems)})"
    else:
        reason = "the release has no copy of it"
    try:
        stub = strip_source(source_texts[0], f"{assignment.name}/{module}")
    except StripError as exc:
        report.problem(f"{module}: {reason}, and the instructor source cannot be "
                       f"stripped ({exc})")
        return None
    report.problem(f"{module}: {reason}; its stub was made from the instructor source")
    return stub


def recover_cells(path):
    """A notebook made of the cells of a file that nbformat cannot read but that is JSON
    with a list of cells (a hand edit or a broken editor); None if there are none."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells")
    except (ValueError, AttributeError, OSError):
        return None
    if not isinstance(cells, list):
        return None
    recovered = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown"):
            continue
        source = cell.get("source", "")
        source = "".join(map(str, source)) if isinstance(source, list) else str(source)
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        make = new_code_cell if cell["cell_type"] == "code" else new_markdown_cell
        recovered.append(make(source, metadata=metadata))
    return new_notebook(cells=recovered) if recovered else None


def read_notebook(path, report):
    """The notebook at ``path``, its cells recovered if need be; None (and the file
    removed) when nothing of it can be read."""
    try:
        return nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types for bad files
        nb = recover_cells(path)
        if nb is None:
            report.problem(f"{path.name} is not a valid notebook ({type(exc).__name__}) "
                           f"and none of its cells could be read")
            path.unlink()
            return None
        report.problem(f"{path.name} is not a valid notebook ({type(exc).__name__}); its "
                       f"{len(nb.cells)} cells were read from it as they are")
        nbformat.write(nb, path)
        return nb


def sanitize_notebook(path, report):
    """Make one notebook safe for nbgrader; return False if nothing of it can be used."""
    nb = read_notebook(path, report)
    if nb is None:
        return False
    seen = set()
    duplicates = []
    for cell in nb.cells:
        grading = cell.metadata.get("nbgrader")
        if not grading or "grade_id" not in grading:
            continue
        if grading["grade_id"] in seen:
            duplicates.append(grading["grade_id"])
            del cell.metadata["nbgrader"]
        else:
            seen.add(grading["grade_id"])
    if duplicates:
        report.problem(f"{path.name}: cells copied from graded cells "
                       f"({', '.join(sorted(set(duplicates)))}); the first of each was graded")
        nbformat.write(nb, path)
    return True


def import_submission(zip_path, course, assignment, release_dir, student=None):
    """Import one zip into ``submitted/<student>/<assignment>``; return its report."""
    student = student or student_id_for(zip_path, assignment)
    report = ImportReport(student=student, zip_name=Path(zip_path).name)
    destination = course.path("submitted", student, assignment.name)
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    extract_submission(zip_path, destination, assignment, report)
    if report.gradable and not report.imported:
        report.problem(f"the zip holds none of the assignment's files (its notebooks or "
                       f"{assignment.package}/*.py); nothing could be graded")
        report.gradable = False
    if not report.gradable:
        shutil.rmtree(destination.parent)
        return report
    for notebook in assignment.notebook_files:
        path = destination / notebook
        if not path.exists():
            report.problem(f"missing {notebook}")
        else:
            sanitize_notebook(path, report)
    sources = (course.path("source", assignment.name), assignment.folder)
    fill_missing_modules(destination, release_dir, assignment, report, sources)
    return report
