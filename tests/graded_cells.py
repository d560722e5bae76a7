"""Run a notebook's autograded test cells against a (possibly mutated) student package.

This is how the tests show that each hidden test catches a plausible bug: copy the
assignment folder, plant the bug in the reference solution, run the notebook's test
cells the way nbgrader would judge them, and see which cells fail.

Conventions the notebooks follow so that their test cells can run on their own:

- every autograded test cell is self-contained: it imports what it needs from the
  student package and ``cs_utils`` and builds its own small inputs with fixed seeds;
- concept-check answers live in solution cells whose ``grade_id`` ends in
  ``_answers``; those cells are run first, so the test cells can read the answers.

A cell passes when it raises nothing and writes nothing to stderr (nbgrader gives
zero to a test cell with stderr output). A cell whose last expression is a number
reports that number as its score, as nbgrader does.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from cs_utils.instructor.strip import BEGIN_SOLUTION, strip_file

REPO_ROOT = Path(__file__).resolve().parent.parent

_RUNNER = textwrap.dedent(r'''
    import ast, contextlib, io, json, sys

    # Plain json, not nbformat: importing nbformat costs seconds in every subprocess.
    with open(sys.argv[1], encoding="utf-8") as handle:
        cells = json.load(handle)["cells"]
    meta = lambda c: c.get("metadata", {}).get("nbgrader", {})
    text = lambda c: c["source"] if isinstance(c["source"], str) else "".join(c["source"])
    answers = {}
    for cell in cells:
        m = meta(cell)
        if cell["cell_type"] == "code" and m.get("solution") and m.get("grade_id", "").endswith("_answers"):
            exec(compile(text(cell), m["grade_id"], "exec"), answers)

    margin = float(sys.argv[2])
    bounds = []

    def margin_check(value, bound, where):
        """Stands in for `rel_error(...) < bound`: records the value, and with a margin
        passes only when the value is that many times inside the bound."""
        value, bound = float(value), float(bound)
        bounds.append([where, value, bound])
        return value * margin <= bound if margin else value < bound

    class WithMargins(ast.NodeTransformer):
        """Route every `rel_error(...) < bound` through margin_check."""

        def visit_Compare(self, node):
            self.generic_visit(node)
            call = node.left
            name = getattr(getattr(call, "func", None), "id", None) or \
                getattr(getattr(call, "func", None), "attr", None)
            if (isinstance(call, ast.Call) and name == "rel_error" and len(node.ops) == 1
                    and isinstance(node.ops[0], (ast.Lt, ast.LtE))):
                where = f"line {node.lineno}: {ast.unparse(call)[:80]}"
                return ast.copy_location(ast.Call(
                    func=ast.Name("__margin_check__", ast.Load()),
                    args=[call, node.comparators[0], ast.Constant(where)], keywords=[]), node)
            return node

    def run(source, namespace):
        """Execute like IPython: the value of a final expression is the cell's result."""
        tree = ast.fix_missing_locations(WithMargins().visit(ast.parse(source)))
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, "<cell>", "exec"), namespace)
        return eval(compile(last, "<cell>", "eval"), namespace) if last else None

    results = {}
    for cell in cells:
        m = meta(cell)
        if cell["cell_type"] != "code" or not m.get("grade") or m.get("solution"):
            continue
        namespace = dict(answers, __margin_check__=margin_check)
        err = io.StringIO()
        outcome = {"points": m.get("points", 0)}
        bounds.clear()
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                value = run(text(cell), namespace)
            outcome["error"] = None
            outcome["score"] = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        except BaseException as exc:
            outcome["error"] = f"{type(exc).__name__}: {exc}"[:500]
            outcome["score"] = None
        outcome["stderr"] = err.getvalue()[:500]
        outcome["bounds"] = [list(b) for b in bounds]
        results[m["grade_id"]] = outcome
    print(json.dumps(results))
''')


@dataclass
class CellResult:
    points: float
    error: str | None
    stderr: str
    score: float | None
    bounds: list = field(default_factory=list)  # [where, value, bound] of each rel_error check

    @property
    def passed(self):
        return self.error is None and not self.stderr

    @property
    def earned(self):
        """Points nbgrader would award this cell."""
        if not self.passed:
            return 0.0
        return self.points if self.score is None else self.score


def copy_assignment(name, destination):
    """Copy an assignment folder (without caches) to ``destination``; return its path."""
    target = Path(destination) / name
    shutil.copytree(REPO_ROOT / name, target,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return target


def plant_bug(assignment_dir, relative_file, old, new):
    """Replace the one occurrence of ``old`` with ``new`` in a package file."""
    path = Path(assignment_dir) / relative_file
    text = path.read_text()
    count = text.count(old)
    if count != 1:
        raise AssertionError(f"mutant for {relative_file} expects {old!r} exactly once, "
                             f"found {count} times: update the mutant")
    path.write_text(text.replace(old, new))


def run_graded_cells(assignment_dir, notebook, timeout=600, margin=0):
    """Run the autograded test cells of ``notebook`` (name without .ipynb).

    With ``margin`` (see tests/margins.py), every ``rel_error(...) < bound`` in a test
    cell passes only when the value is ``margin`` times inside its bound; the values are
    recorded either way (``CellResult.bounds``). Returns {grade_id: CellResult}.
    """
    assignment_dir = Path(assignment_dir).resolve()
    env = dict(os.environ, NBGRADER_EXECUTION="autograde", MPLBACKEND="Agg",
               PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(assignment_dir / f"{notebook}.ipynb"), str(margin)],
        cwd=assignment_dir, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"test-cell runner failed:\n{proc.stderr[-3000:]}")
    raw = json.loads(proc.stdout.strip().splitlines()[-1])
    return {gid: CellResult(**r) for gid, r in raw.items()}


def stub_package(assignment_dir, package):
    """Strip the student package exactly as the release does."""
    for path in (Path(assignment_dir) / package).rglob("*.py"):
        strip_file(path)


def blank_concept_answers(notebook_path):
    """Leave the concept-check answer cells with their blank dictionaries only."""
    notebook_path = Path(notebook_path)
    nb = json.loads(notebook_path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if cell["cell_type"] == "code" and grade_id.endswith("_answers"):
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            cell["source"] = source.split(BEGIN_SOLUTION)[0]
    notebook_path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def failing(results):
    """The grade ids of the cells that did not pass."""
    return {grade_id for grade_id, result in results.items() if not result.passed}
