"""Which shared code a student of an assignment receives, and what it must not contain.

The rule: a student of assignment N receives no working implementation of anything
graded in assignment N or in a later one. Each assignment's release therefore carries
only the ``cs_utils`` modules that assignment needs, found by following the imports of
its notebooks and its package (``shared_modules_for``), and the release build refuses
shared code that defines a graded function of assignment N or later, or repeats a
distinctive line of its reference solution (``graded_code_in``).

A graded function is one whose body holds a ``### BEGIN SOLUTION`` region in the
student package. Shared code that needs such a function (an explorer that shows what
a kNN classifier or an update rule does) takes the student's implementation as an
argument instead of carrying its own.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..assignments import REPO_ROOT
from .strip import BEGIN_SOLUTION, enclosing_name, split_regions

SHARED_PACKAGE = "cs_utils"
# Never shipped: the instructor tooling (the grading sandbox hides it too).
INSTRUCTOR_PACKAGE = f"{SHARED_PACKAGE}.instructor"
# Source files besides the modules that every release carries (setup.py builds it).
ALWAYS_SHIPPED = ("cs_utils/__init__.py", "cs_utils/_im2col_cython.pyx")
# Modules the release's own top-level files run (collectSubmission.sh), with their imports.
ENTRY_MODULES = ("cs_utils.collect_submission",)
# A reference-solution line shorter than this is too ordinary to count as a copy
# ("return out, cache", "N = x.shape[0]").
MIN_DISTINCTIVE_LENGTH = 24


class SharedCodeError(RuntimeError):
    """Shared code that a release would ship holds a graded implementation."""


@dataclass(frozen=True)
class Finding:
    """One place where shipped shared code holds graded work."""

    path: str      # relative to the repository root
    line: int
    what: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.what}"


# --------------------------------------------------------------------------- imports


def _python_source_of_cell(source):
    """A code cell's source with IPython magics and shell lines blanked out."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def imported_names(source, module=None, is_package=False):
    """Absolute dotted names that ``source`` imports, with relative imports resolved.

    ``module`` is the dotted name of the module the source belongs to (None for a
    notebook cell). ``from a.b import c`` yields both ``a.b`` and ``a.b.c``: c may be a
    module or a name; the caller keeps the ones that are modules.
    """
    tree = ast.parse(source)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = (module or "").split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join(parts[:keep] + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _module_file(name, root):
    """The file of a dotted module name under ``root``, or None."""
    path = Path(root, *name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _entry_sources(assignment):
    """(source, module name, is package) for the assignment's notebooks and package."""
    for notebook in assignment.notebook_files:
        nb = nbformat.read(assignment.folder / notebook, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                yield _python_source_of_cell(cell.source), None, False
    for path in sorted((assignment.folder / assignment.package).rglob("*.py")):
        if "__pycache__" not in path.parts:
            yield path.read_text(encoding="utf-8"), None, False


def shared_modules_for(assignment, root=REPO_ROOT):
    """The shared files the release of ``assignment`` must carry (paths relative to
    ``root``, sorted): every ``cs_utils`` module its notebooks and package import,
    directly or through other shared modules, with the packages that contain them."""
    root = Path(root)
    wanted = set()
    for source, module, is_package in _entry_sources(assignment):
        wanted |= imported_names(source, module, is_package)
    seen, files = set(), set()
    pending = [name for name in wanted if name.split(".")[0] == SHARED_PACKAGE]
    pending.extend(ENTRY_MODULES)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if name == INSTRUCTOR_PACKAGE or name.startswith(INSTRUCTOR_PACKAGE + "."):
            raise SharedCodeError(f"{assignment.name} imports {name}, the instructor "
                                  "tooling, which students do not receive")
        path = _module_file(name, root)
        if path is None:
            continue  # a name imported from a module, not a module itself
        files.add(path)
        parts = name.split(".")
        pending.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        pending.extend(imported_names(path.read_text(encoding="utf-8"), name,
                                      path.name == "__init__.py"))
        pending[:] = [n for n in pending if n.split(".")[0] == SHARED_PACKAGE]
    relative = {path.relative_to(root).as_posix() for path in files}
    relative.update(p for p in ALWAYS_SHIPPED if (root / p).is_file())
    return sorted(relative)


# --------------------------------------------------------------------------- graded work


def graded_functions(assignment):
    """Qualified names ("knn_predict", "KNearestNeighbor.predict") of the functions whose
    bodies hold a solution region in the assignment's package."""
    names = set()
    for path in sorted((assignment.folder / assignment.package).rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            if line.strip() == BEGIN_SOLUTION:
                names.add(enclosing_name(lines, index))
    names.discard("")
    return names


def _package_texts(assignment):
    for path in sorted((assignment.folder / assignment.package).rglob("*.py")):
        if "__pycache__" not in path.parts:
            yield path.read_text(encoding="utf-8")


def _normalized(line):
    return " ".join(line.split())


def distinctive_solution_lines(assignment, provided_by=()):
    """Lines of the package's solution regions that are long enough to be telling and
    that no assignment in ``provided_by`` has outside its regions (provided code)."""
    inside, provided = set(), set()
    for text in _package_texts(assignment):
        inside.update(map(_normalized, split_regions(text)[0]))
    for other in provided_by:
        for text in _package_texts(other):
            provided.update(map(_normalized, split_regions(text)[1]))
    return {line for line in inside - provided if len(line) >= MIN_DISTINCTIVE_LENGTH}


def _defined_names(tree):
    """(qualified name, line) of every function and method defined in a module."""
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append((prefix + child.name, child.lineno))
                visit(child, prefix + child.name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def graded_code_in(shared_files, assignments, root=REPO_ROOT, provided_by=()):
    """Findings where ``shared_files`` (relative to ``root``) define a graded function of
    any of ``assignments`` or repeat a distinctive line of its reference solution.

    A top-level graded function matches a shared function of the same name; a graded
    method matches only the same class and method name ("TwoLayerNet.loss").
    """
    graded, solution_lines = {}, {}
    for assignment in assignments:
        for name in graded_functions(assignment):
            graded[name] = assignment.name
        for line in distinctive_solution_lines(assignment, provided_by or assignments):
            solution_lines[line] = assignment.name
    findings = []
    for relative in shared_files:
        if not relative.endswith(".py"):
            continue
        text = Path(root, relative).read_text(encoding="utf-8")
        for qualified, line in _defined_names(ast.parse(text)):
            if qualified in graded:
                findings.append(Finding(relative, line, f"defines {qualified}, graded in "
                                                        f"{graded[qualified]}"))
        for number, line in enumerate(text.splitlines(), start=1):
            owner = solution_lines.get(_normalized(line))
            if owner:
                findings.append(Finding(relative, number, "repeats a line of the reference "
                                                          f"solution of {owner}"))
    return findings
