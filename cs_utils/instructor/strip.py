"""Strip reference solutions and hidden tests from Python source files.

nbgrader strips notebooks but leaves ``.py`` files alone, so the release strips the
student packages itself, with the same markers::

    ### BEGIN SOLUTION / ### END SOLUTION          -> raise NotImplementedError(...)
    ### BEGIN HIDDEN TESTS / ### END HIDDEN TESTS  -> removed

The stub keeps the indentation of the ``BEGIN`` marker and names the function and file
the student has to complete. Everything outside the regions, in particular the
teaching comment right above a region, is kept.
"""

import ast
import re
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


def _enclosing_name(lines, index):
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
                name = _enclosing_name(lines, number - 1)
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
    """Strip one file in place (written only if stripping succeeds)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if not has_markers(text):
        return False
    path.write_text(strip_source(text, display_name or path.name), encoding="utf-8")
    return True


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
