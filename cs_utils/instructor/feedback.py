"""The feedback step that keeps hidden tests hidden.

nbgrader's feedback shows each test cell as it was graded, hidden tests included,
and a failing hidden assertion's traceback quotes its source line. This preprocessor
removes the hidden-test regions and replaces each error's traceback by its last line
(the exception and its message), which is written for students.
"""

import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from .strip import BEGIN_HIDDEN, END_HIDDEN

_HIDDEN_REGION = re.compile(
    rf"^[ \t]*{re.escape(BEGIN_HIDDEN)}[ \t]*\n.*?^[ \t]*{re.escape(END_HIDDEN)}[ \t]*(\n|\Z)",
    re.DOTALL | re.MULTILINE)
HIDDEN_NOTE = "# (hidden tests ran here)\n"


def hide_hidden_tests(source):
    """Replace each hidden-test region of a cell's source by a one-line note."""
    return _HIDDEN_REGION.sub(HIDDEN_NOTE, source)


def short_traceback(output):
    """An error output reduced to ``Name: message``, without source lines."""
    message = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".rstrip(": ")
    output["traceback"] = [message]
    return output


class HideHiddenTests(Preprocessor):
    """Clear hidden tests and their tracebacks from graded test cells."""

    # nbconvert preprocessors are off unless enabled; nbgrader registers them as they are.
    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        grading = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and grading.get("grade") and not grading.get("solution"):
            cell.source = hide_hidden_tests(cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    short_traceback(output)
        return cell, resources
