"""Strip reference solutions and hidden tests from Python source files.

nbgrader strips notebooks but leaves ``.py`` files alone, so the release strips the
student packages itself, with the same markers::

    ### BEGIN SOLUTION / ### END SOLUTION          -> raise NotImplementedError(...)
    ### BEGIN HIDDEN TESTS / ### END HIDDEN TESTS  -> removed

The stub keeps the indentation of the ``BEGIN`` marker and names the function and file
the student has to complete. Everything outside the regions, in particular the
teaching comment right above a region, is kept.

``stub_problems`` and ``unstripped_files`` check a student copy against its instructor
source (no marker, no line of a reference solution, no stubbed module missing); the
nbgrader hooks, the release build and the autograder's stub filling rely on them.
"""

import ast
import os
import re
import stat
import tempfile
from pathlib import Path

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)
# What nbgrader puts in place of a solution region of a notebook code cell
# (nbgrader_config.py sets it from here).
NOTEBOOK_CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
# What a concept-check answers cell gets instead: its blank dictionaries, above the
# region, are already the student's starting point, and a raise there would stop every
# top-to-bottom run of the notebook.
ANSWERS_CELL_STUB = "# Your answers go in the dictionaries above; a blank answer scores 0."

_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)|^(\s*)class\s+(\w+)")


class StripError(ValueError):
    """A solution or hidden-test region is malformed."""


def _marker(line):
    stripped = line.strip()
    return stripped if stripped in MARKERS else None


def enclosing_name(lines, index):
    """Qualified name of the function (and class) that contains line ``index``."""
    indent = len(lines[index]) - len(lines[index].lstrip())
    names = []
    for line in reversed(lines[:index]):
        match = _DEF.match(line)
        if not match:
            continue
        line_indent = len(match.group(1) if match.group(1) is not None else match.group(3))
        if line_indent < indent:
            names.append(match.group(2) or match.group(4))
            indent = line_indent
            if indent == 0:
                break
    return ".".join(reversed(names))


def strip_source(text, filename="<source>"):
    """Return ``text`` with solution regions stubbed and hidden-test regions removed.

    Raises StripError for unbalanced or nested markers, a solution region outside a
    function, or a result that is not valid Python.
    """
    lines = text.splitlines(keepends=True)
    out = []
    open_marker = None
    open_line = 0
    for number, line in enumerate(lines, start=1):
        marker = _marker(line)
        if marker in (BEGIN_SOLUTION, BEGIN_HIDDEN):
            if open_marker:
                raise StripError(f"{filename}:{number}: {marker!r} inside the region opened "
                                 f"at line {open_line}")
            open_marker, open_line = marker, number
            if marker == BEGIN_SOLUTION:
                name = enclosing_name(lines, number - 1)
                if not name:
                    raise StripError(f"{filename}:{number}: solution region outside a function")
                indent = line[: len(line) - len(line.lstrip())]
                where = Path(filename).as_posix()
                out.append(f'{indent}raise NotImplementedError("{name}: '
                           f'write your code here ({where})")\n')
        elif marker in (END_SOLUTION, END_HIDDEN):
            expected = BEGIN_SOLUTION if marker == END_SOLUTION else BEGIN_HIDDEN
            if open_marker != expected:
                raise StripError(f"{filename}:{number}: {marker!r} without a matching "
                                 f"{expected!r}")
            open_marker = None
        elif open_marker is None:
            out.append(line)
    if open_marker:
        raise StripError(f"{filename}:{open_line}: {open_marker!r} is never closed")
    result = "".join(out)
    try:
        ast.parse(result, filename=filename)
    except SyntaxError as exc:
        raise StripError(f"{filename}: the stripped file is not valid Python ({exc})") from exc
    return result


def has_markers(text):
    """True if any solution or hidden-test marker appears in ``text``."""
    return any(marker in text for marker in MARKERS)


def strip_file(path, display_name=None):
    """Strip one file in place; returns whether it held any region.

    The stripped text goes to a temporary file beside it that then replaces the file
    in one step, so the file is either the original or the complete stub, never a
    mixture.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if not has_markers(text):
        return False
    replace_text(path, strip_source(text, display_name or path.name))
    return True


def replace_text(path, text):
    """Replace the contents of ``path`` atomically, keeping its permission bits."""
    path = Path(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def remove_markers(text):
    """The reference solution as a student would have written it: markers dropped,
    the code between them kept (used to build simulated correct submissions)."""
    lines = text.splitlines(keepends=True)
    kept = []
    hidden = False
    for line in lines:
        marker = _marker(line)
        if marker == BEGIN_HIDDEN:
            hidden = True
        elif marker == END_HIDDEN:
            hidden = False
        elif marker is None and not hidden:
            kept.append(line)
    return "".join(kept)


def split_regions(text):
    """(lines inside solution and hidden-test regions, lines outside them), stripped of
    indentation and without blank lines and markers."""
    inside, outside = [], []
    in_region = False
    for line in text.splitlines():
        marker = _marker(line)
        if marker in (BEGIN_SOLUTION, BEGIN_HIDDEN):
            in_region = True
        elif marker in (END_SOLUTION, END_HIDDEN):
            in_region = False
        elif line.strip():
            (inside if in_region else outside).append(line.strip())
    return inside, outside


def solution_lines(source_text):
    """The lines of the solution and hidden-test regions of ``source_text`` that do not
    also appear outside them (indentation stripped): the lines a stub must not hold."""
    inside, outside = split_regions(source_text)
    return set(inside) - set(outside)


def stub_problems(text, source_text):
    """Why ``text`` is not a clean stub of the instructor file ``source_text``: a marker
    left in it, or lines of the source's solutions. An empty list means clean. The
    problems never quote the solution (they may reach a student's report)."""
    problems = [f"holds the marker {marker!r}" for marker in MARKERS if marker in text]
    secret = solution_lines(source_text)
    leaked = {line.strip() for line in text.splitlines()} & secret
    if leaked:
        problems.append(f"holds {len(leaked)} line(s) of the reference solution")
    return problems


def python_files(folder):
    """The .py files under ``folder`` (caches excluded), sorted."""
    return sorted(path for path in Path(folder).rglob("*.py")
                  if "__pycache__" not in path.parts and path.is_file())


def unstripped_files(released, source):
    """(relative path, problem) for every .py file of a student version ``released``
    that is not a clean stub of its instructor copy in ``source``, and for every
    instructor .py file with a solution region whose student copy is missing.

    A file that cannot be read, or whose instructor copy is missing, counts as not
    clean: nothing unverified goes to students.
    """
    released, source = Path(released), Path(source)
    problems = []
    for path in python_files(released):
        relative = path.relative_to(released).as_posix()
        original = source / relative
        try:
            text = path.read_text(encoding="utf-8")
            source_text = original.read_text(encoding="utf-8") if original.exists() else None
        except (OSError, UnicodeDecodeError) as exc:
            problems.append((relative, f"cannot be checked ({exc})"))
            continue
        if source_text is None:
            problems.append((relative, "has no instructor copy to check it against"))
        else:
            problems.extend((relative, problem) for problem in stub_problems(text, source_text))
    for original in python_files(source) if source.is_dir() else []:
        relative = original.relative_to(source).as_posix()
        if not (released / relative).exists() and \
                BEGIN_SOLUTION in original.read_text(encoding="utf-8"):
            problems.append((relative, "is missing from the student version"))
    return problems
