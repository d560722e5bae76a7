"""Read the gradebook into a grade table and write it as CSV.

Every figure comes from nbgrader's gradebook, so the table is the same after
autograde, after hand grading in formgrader, and after a regrade:

- autograded points: the test cells (code), as the autograder scored them, or as a
  grader overrode them in formgrader;
- points graded by hand: the written answers (markdown cells) a person has scored,
  and those nbgrader scored 0 itself because they were left as released;
- points still to grade: written answers nobody has scored yet. They count in no
  total until a person scores them.
"""

import csv
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry


@dataclass
class NotebookGrades:
    """One submitted notebook's points, split as the docstring of this module says."""

    auto_score: float = 0.0
    auto_max: float = 0.0
    manual_score: float = 0.0
    manual_max: float = 0.0
    ungraded: float = 0.0  # points of written answers nobody has scored yet

    @property
    def total(self):
        return self.auto_score + self.manual_score

    @property
    def total_max(self):
        return self.auto_max + self.manual_max

    @property
    def graded_max(self):
        """The maximum of the points scored so far: everything but ``ungraded``."""
        return self.total_max - self.ungraded


@dataclass
class StudentGrades:
    """One student's grades per notebook. ``score`` and ``max_score`` are the
    autograded points; ``total`` adds the points graded by hand."""

    student: str
    notebooks: dict = field(default_factory=dict)  # name -> NotebookGrades
    graded: bool = False

    def _sum(self, name):
        return sum(getattr(grades, name) for grades in self.notebooks.values())

    @property
    def score(self):
        return self._sum("auto_score")

    @property
    def max_score(self):
        return self._sum("auto_max")

    @property
    def manual_score(self):
        return self._sum("manual_score")

    @property
    def manual_max(self):
        return self._sum("manual_max")

    @property
    def ungraded_points(self):
        """Points of written answers that still need a person (0 when not graded:
        there is nothing to grade by hand in a submission that was not graded)."""
        return self._sum("ungraded") if self.graded else 0.0

    @property
    def total(self):
        return self.score + self.manual_score

    @property
    def total_max(self):
        return self.max_score + self.manual_max


def is_hand_graded(grade_cell):
    """Written answers are graded by hand; test cells (code) by the autograder."""
    return grade_cell.cell_type == "markdown"


def notebook_grades(submitted):
    """NotebookGrades of an nbgrader SubmittedNotebook."""
    grades = NotebookGrades()
    for grade in submitted.grades:
        best = float(grade.max_score)
        if not is_hand_graded(grade.cell):
            grades.auto_score += float(grade.score)
            grades.auto_max += best
            continue
        grades.manual_max += best
        if grade.manual_score is None and grade.auto_score is None:
            grades.ungraded += best
        else:
            grades.manual_score += float(grade.score)
    return grades


def released_grades(notebook):
    """NotebookGrades of a notebook nobody handed in: every point 0, nothing to grade."""
    grades = NotebookGrades()
    for cell in notebook.grade_cells:
        if is_hand_graded(cell):
            grades.manual_max += float(cell.max_score)
        else:
            grades.auto_max += float(cell.max_score)
    return grades


def gradebook_students(course, assignment):
    """Ids of the students with a submission of ``assignment`` in the gradebook."""
    with Gradebook(course.db_url) as gradebook:
        try:
            submissions = gradebook.find_assignment(assignment.name).submissions
        except MissingEntry:
            return set()
        return {submission.student.id for submission in submissions}


def read_grades(course, assignment, students):
    """StudentGrades for each student id, from the course's gradebook."""
    rows = []
    with Gradebook(course.db_url) as gradebook:
        sources = {name: gradebook.find_notebook(name, assignment.name)
                   for name in assignment.notebooks}
        for student in students:
            row = StudentGrades(student=student)
            try:
                gradebook.find_submission(assignment.name, student)
                row.graded = True
            except MissingEntry:
                pass
            for name, source in sources.items():
                row.notebooks[name] = released_grades(source)
                if row.graded:
                    try:
                        row.notebooks[name] = notebook_grades(gradebook.find_submission_notebook(
                            name, assignment.name, student))
                    except MissingEntry:
                        pass
            rows.append(row)
    return rows


def grade_table_header(assignment):
    return ["student_id", *assignment.notebooks, "autograded_score", "autograded_max",
            "manual_score", "manual_max", "manual_points_to_grade", "total_score",
            "total_max", "status", "problems"]


def grade_table_row(row, assignment, problems):
    """One CSV row: each notebook's total, then the sums (see grade_table_header)."""
    status = ("not graded" if not row.graded else
              "to be graded by hand" if row.ungraded_points else "graded")
    return [row.student, *(f"{row.notebooks[name].total:g}" for name in assignment.notebooks),
            f"{row.score:g}", f"{row.max_score:g}", f"{row.manual_score:g}",
            f"{row.manual_max:g}", f"{row.ungraded_points:g}", f"{row.total:g}",
            f"{row.total_max:g}", status, "; ".join(problems.get(row.student, []))]


def write_csv_atomically(path, header, rows):
    """Write a CSV file that is either complete or left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def write_grades_csv(rows, assignment, path, problems):
    """Write the class's grade table; ``problems`` maps student -> list of notes."""
    return write_csv_atomically(path, grade_table_header(assignment),
                                [grade_table_row(row, assignment, problems) for row in rows])


def format_grade_table(rows, assignment):
    """A plain-text table: one line per student, one column per notebook (its total)."""
    names = list(assignment.notebooks)
    width = max([len("student"), *(len(r.student) for r in rows)])
    columns = [max(len(n), 9) for n in names]
    head = "  ".join([f"{'student':<{width}}", *(f"{n:>{w}}" for n, w in zip(names, columns)),
                      f"{'autograded':>12}", f"{'by hand':>9}", "still to grade by hand"])
    lines = [head, "-" * len(head)]
    for row in rows:
        cells = [f"{row.notebooks[n].total:g}/{row.notebooks[n].total_max:g}" for n in names]
        auto = f"{row.score:g}/{row.max_score:g}" if row.graded else "not graded"
        manual = f"{row.manual_score:g}/{row.manual_max:g}" if row.graded else ""
        lines.append("  ".join([f"{row.student:<{width}}",
                                *(f"{c:>{w}}" for c, w in zip(cells, columns)),
                                f"{auto:>12}", f"{manual:>9}",
                                f"{row.ungraded_points:g} points"]))
    return "\n".join(lines)


def points_text(value):
    """"1 point", "2.5 points"."""
    return f"{value:g} point{'' if value == 1 else 's'}"


def notebook_summary(grades):
    """'3 / 5 autograded, 1 point to grade by hand': what a notebook's figures cover."""
    text = f"{grades.auto_score:g} / {grades.auto_max:g} autograded"
    if grades.ungraded:
        text += f", {points_text(grades.ungraded)} to grade by hand"
        if grades.manual_max > grades.ungraded:
            text += (f" (by hand so far: {grades.manual_score:g} / "
                     f"{grades.manual_max - grades.ungraded:g})")
    elif grades.manual_max:
        text += f", {grades.manual_score:g} / {grades.manual_max:g} by hand"
    return text


def grade_lines(row):
    """The grade lines of a student's report, each saying what it covers."""
    if not row.graded:
        return ["autograded: not graded"]
    lines = [f"autograded: {row.score:g} / {row.max_score:g}"]
    graded_by_hand = row.manual_max - row.ungraded_points
    if row.manual_max and not graded_by_hand:
        lines.append(f"graded by hand: nothing yet, {points_text(row.ungraded_points)} to grade")
    elif row.manual_max:
        lines.append(f"graded by hand: {row.manual_score:g} / {graded_by_hand:g}"
                     + (f" so far, {points_text(row.ungraded_points)} still to grade"
                        if row.ungraded_points else ""))
    lines.append(f"total: {row.total:g} / {row.total_max:g}"
                 + (" (not final: written answers are still to be graded by hand)"
                    if row.ungraded_points else ""))
    lines.append(f"points left to grade by hand: {row.ungraded_points:g}")
    return lines
