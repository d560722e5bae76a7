"""The feedback step that keeps hidden tests hidden.

nbgrader's feedback shows each test cell as it was graded, hidden tests included,
and a failing hidden assertion's traceback quotes its source line. This preprocessor
removes the hidden-test regions, replaces each error's traceback by its last line
(the exception and its message), which is written for students, and scrubs
hidden-test lines that student code printed into any output.
"""

import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from .strip import BEGIN_HIDDEN, END_HIDDEN, split_regions

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


# Hidden-test lines shorter than this are too common ("pass", "x = 1") to scrub.
MIN_SCRUBBED_LENGTH = 10
SCRUBBED = "(hidden test)"


def hidden_lines(nb):
    """Lines of the hidden-test regions of a notebook's graded test cells."""
    lines = set()
    for cell in nb.cells:
        if _is_test_cell(cell):
            inside, outside = split_regions(cell.source)
            lines.update(line for line in inside if len(line) >= MIN_SCRUBBED_LENGTH)
            lines.difference_update(outside)
    return lines


def scrub_output(output, lines):
    """Replace hidden-test lines that student code printed (an IPython hook can print
    the cells it runs) in one output."""
    def scrub(text):
        for line in lines:
            text = text.replace(line, SCRUBBED)
        return text

    if "text" in output:
        output["text"] = scrub("".join(output["text"]) if isinstance(output["text"], list)
                               else output["text"])
    for key, value in output.get("data", {}).items():
        if isinstance(value, str) and key.startswith("text/"):
            output["data"][key] = scrub(value)
    if output.get("output_type") == "error":
        output["evalue"] = scrub(output.get("evalue", ""))
        output["traceback"] = [scrub(line) for line in output.get("traceback", [])]


def _is_test_cell(cell):
    grading = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and grading.get("grade") and not grading.get("solution")


class HideHiddenTests(Preprocessor):
    """Clear hidden tests and their tracebacks from graded test cells, and hidden-test
    lines from every cell's outputs."""

    # nbconvert preprocessors are off unless enabled; nbgrader registers them as they are.
    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        self._hidden = hidden_lines(nb)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            scrub_output(output, getattr(self, "_hidden", set()))
        if _is_test_cell(cell):
            cell.source = hide_hidden_tests(cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    short_traceback(output)
        return cell, resources


class FeedbackError(RuntimeError):
    """nbgrader could not write a student's feedback; the message holds its log."""


class FeedbackWriter:
    """nbgrader's generate_feedback for one student at a time, inside this process
    (no new Python per student), with the course's configuration."""

    def __init__(self, config):
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory

        self._api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)

    def write(self, assignment_name, student):
        result = self._api.generate_feedback(assignment_name, student, force=True)
        if not result.get("success"):
            raise FeedbackError((result.get("error") or result.get("log") or "")[-3000:])
