"""The course's feedback steps: scores that say what they cover, hidden tests hidden.

nbgrader's feedback (``GenerateFeedback``, run by ``nbgrader generate_feedback``, by
formgrader's button and by this tooling) runs the preprocessors that the course's
nbgrader_config.py lists. Two of them are the course's own:

- :class:`GradesSoFar` reads the grades like nbgrader's ``GetGrades`` (which it
  extends), and tells written answers nobody has graded yet apart from answers that
  scored 0: such an answer is shown as "to be graded by hand", the notebook's score is
  out of the points graded so far, and a note at the top says what the score covers;
- :class:`HideHiddenTests`: nbgrader's feedback shows each test cell as it was graded,
  hidden tests included, and a failing hidden assertion's traceback quotes its source
  line. This step removes the hidden-test regions, replaces each error's traceback by
  its last line (the exception and its message), which is written for students, and
  scrubs hidden-test lines that student code printed into any output.
"""

import re

from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_markdown_cell
from nbgrader.api import Gradebook
from nbgrader.preprocessors import GetGrades
from traitlets import Bool

from .grades import notebook_grades, points_text
from .strip import BEGIN_HIDDEN, END_HIDDEN, split_regions

# The metadata key GradesSoFar sets on the cell of each answer nobody has graded yet.
UNGRADED = "course_ungraded"


def score_note(grades):
    """Markdown for the top of a feedback page: what its score covers (``grades``: the
    notebook's NotebookGrades)."""
    parts = [f"{grades.auto_score:g} / {grades.auto_max:g} autograded points (the test cells)"]
    if grades.manual_max > grades.ungraded:
        parts.append(f"{grades.manual_score:g} / {grades.manual_max - grades.ungraded:g} "
                     f"for written answers graded by hand")
    text = "**What the score covers.** " + ", and ".join(parts) + "."
    if grades.ungraded:
        text += (f" Written answers worth {points_text(grades.ungraded)} are still to be graded "
                 f"by hand: they are not in the score yet, and this page will be written "
                 f"again when they are.")
    return text + f" The notebook is worth {grades.total_max:g} points in all."


def ungraded_note(points):
    return f"*To be graded by hand ({points_text(points)}): not scored yet.*"


class GradesSoFar(GetGrades):
    """nbgrader's GetGrades, telling answers still to be graded by hand from zeros."""

    def _get_score(self, cell, resources):
        # GetGrades._get_score, plus the mark, from the one lookup of the grade.
        grade = self.gradebook.find_grade(cell.metadata.nbgrader["grade_id"], self.notebook_id,
                                          self.assignment_id, self.student_id)
        cell.metadata.nbgrader["score"] = grade.score
        cell.metadata.nbgrader["points"] = grade.max_score
        if grade.manual_score is None and grade.auto_score is None:
            cell.metadata.nbgrader[UNGRADED] = True

    def preprocess(self, nb, resources):
        nb, resources = super().preprocess(nb, resources)
        with Gradebook(self.db_url) as gradebook:
            grades = notebook_grades(gradebook.find_submission_notebook(
                self.notebook_id, self.assignment_id, self.student_id))
        resources["nbgrader"]["max_score"] = grades.graded_max
        cells = [new_markdown_cell(score_note(grades))]
        for cell in nb.cells:
            cells.append(cell)
            grading = cell.metadata.get("nbgrader", {})
            if grading.pop(UNGRADED, False):
                # nbgrader's page shows a grade cell's score as a number; a cell that is
                # not scored yet is shown as an answer, followed by the note.
                grading["grade"] = False
                cells.append(new_markdown_cell(ungraded_note(float(grading["points"]))))
        nb.cells = cells
        return nb, resources

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


_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\s'\"\\/]+)+[\\/]?")


def log_summary(log):
    """The last line of nbgrader's log that says what went wrong, with every path cut
    to its last part: fit for a report that reaches a student."""
    lines = [line.strip() for line in log.splitlines()
             if line.strip() and not line.strip().startswith(("File ", "Traceback", "^", "~"))]
    last = lines[-1] if lines else "no reason given"
    return _PATH.sub(lambda match: match.group().rstrip("/\\").replace("\\", "/")
                     .rsplit("/", 1)[-1], last)[:300]


class FeedbackError(RuntimeError):
    """nbgrader could not write a student's feedback. The message is one line without
    a traceback or a path of the grader's (it goes into the student's report); ``log``
    holds nbgrader's log, for the instructor."""

    def __init__(self, log):
        super().__init__(log_summary(log))
        self.log = log


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
