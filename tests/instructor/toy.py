"""A made-up one-notebook assignment for testing the instructor tooling quickly.

Its package ``tp`` has two student functions; the notebook has a visible+hidden test
for each, a hand-graded question and a concept-check cell. ``safe_log``'s reference
solution triggers a numpy RuntimeWarning (log of 0) on purpose.
"""

import zipfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from cs_utils.assignments import Assignment

OPS = '''"""Toy student functions."""

import numpy as np


def double(x):
    """Return 2 * x for an array x of any shape."""
    # Multiply by two.
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION


def safe_log(x):
    """Elementwise natural log; log(0) is -inf."""
    # Use np.log.
    ### BEGIN SOLUTION
    return np.log(x)
    ### END SOLUTION
'''

HIDDEN_DOUBLE = "assert double(np.array([21.5]))[0] == 43.0, 'double is wrong on a float'"


def _meta(**kwargs):
    base = {"schema_version": 3, "solution": False, "grade": False, "locked": False,
            "task": False}
    base.update(kwargs)
    return {"nbgrader": base}


def make_notebook():
    cells = [
        new_markdown_cell("# Toy\nA notebook for testing the tooling."),
        new_code_cell("import numpy as np\nfrom tp.ops import double, safe_log"),
        new_code_cell("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION",
                      metadata=_meta(solution=True, grade_id="answer_cell")),
        new_code_cell("import numpy as np\nfrom tp.ops import double\n"
                      "assert double(np.array([1.0]))[0] == 2.0\n"
                      "### BEGIN HIDDEN TESTS\n" + HIDDEN_DOUBLE + "\n### END HIDDEN TESTS",
                      metadata=_meta(grade=True, locked=True, points=2,
                                     grade_id="test_double")),
        new_code_cell("import numpy as np\nfrom tp.ops import safe_log\n"
                      "assert safe_log(np.array([1.0]))[0] == 0.0\n"
                      "### BEGIN HIDDEN TESTS\n"
                      "assert np.isneginf(safe_log(np.array([0.0]))[0])\n"
                      "### END HIDDEN TESTS",
                      metadata=_meta(grade=True, locked=True, points=3,
                                     grade_id="test_safe_log")),
        new_markdown_cell("Why?\n\n**Your answer:** ### BEGIN SOLUTION\nBecause.\n"
                          "### END SOLUTION",
                          metadata=_meta(grade=True, solution=True, points=1,
                                         grade_id="inline_question")),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def make_toy_assignment(root):
    """Write the toy assignment under ``root`` and return its Assignment."""
    folder = Path(root) / "toy"
    (folder / "tp").mkdir(parents=True)
    (folder / "tp" / "__init__.py").write_text('"""Toy package."""\n')
    (folder / "tp" / "ops.py").write_text(OPS)
    nbformat.write(make_notebook(), folder / "toy.ipynb")
    return toy_assignment(root)


def toy_assignment(root):
    """The Assignment of a toy assignment already written under ``root``."""
    return Assignment(name="toy", package="tp", notebooks=("toy",),
                      modules=("__init__.py", "ops.py"), root=Path(root))


def zip_folder(folder, path, extra=None):
    """Zip every file of ``folder`` (paths relative to it), plus ``extra`` name -> data."""
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(Path(folder).rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(folder).as_posix())
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def edit_cell(student_dir, grade_id, source=None, **metadata):
    """Change the source and/or nbgrader metadata of the toy notebook's cell ``grade_id``
    in a student's copy; ``metadata=None`` values delete a key, ``nbgrader=None`` all."""
    path = Path(student_dir) / "toy.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell, = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    if source is not None:
        cell.source = source
    if "nbgrader" in metadata and metadata["nbgrader"] is None:
        del cell.metadata["nbgrader"]
    else:
        cell.metadata["nbgrader"].update(metadata)
    nbformat.write(nb, path)
