"""Read the gradebook into a grade table and write it as CSV."""

import csv
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry


@dataclass
class StudentGrades:
    """One student's autograded scores per notebook and what still needs a person."""

    student: str
    notebooks: dict = field(default_factory=dict)  # name -> (score, max)
    manual_max: float = 0.0
    graded: bool = False

    @property
    def score(self):
        return sum(score for score, _ in self.notebooks.values())

    @property
    def max_score(self):
        return sum(best for _, best in self.notebooks.values())


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
        maxima = {name: gradebook.find_notebook(name, assignment.name)
                  for name in assignment.notebooks}
        for student in students:
            row = StudentGrades(student=student)
            try:
                gradebook.find_submission(assignment.name, student)
                row.graded = True
            except MissingEntry:
                pass
            for name, source in maxima.items():
                score = 0.0
                if row.graded:
                    try:
                        score = float(gradebook.find_submission_notebook(
                            name, assignment.name, student).code_score)
                    except MissingEntry:
                        pass
                row.notebooks[name] = (score, float(source.max_code_score))
                row.manual_max += float(source.max_written_score)
            rows.append(row)
    return rows


def write_grades_csv(rows, assignment, path, problems):
    """Write the grade table atomically; ``problems`` maps student -> list of notes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ["student_id", *assignment.notebooks, "autograded_score", "autograded_max",
              "manual_points_to_grade", "status", "problems"]
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(fd, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.student,
                             *(f"{row.notebooks[name][0]:g}" for name in assignment.notebooks),
                             f"{row.score:g}", f"{row.max_score:g}", f"{row.manual_max:g}",
                             "graded" if row.graded else "not graded",
                             "; ".join(problems.get(row.student, []))])
    os.replace(temp, path)
    return path


def format_grade_table(rows, assignment):
    """A plain-text table: one line per student, one column per notebook."""
    names = list(assignment.notebooks)
    width = max([len("student"), *(len(r.student) for r in rows)])
    columns = [max(len(n), 9) for n in names]
    head = "  ".join([f"{'student':<{width}}", *(f"{n:>{w}}" for n, w in zip(names, columns)),
                      f"{'autograded':>12}", "manual to grade"])
    lines = [head, "-" * len(head)]
    for row in rows:
        cells = [f"{row.notebooks[n][0]:g}/{row.notebooks[n][1]:g}" for n in names]
        total = f"{row.score:g}/{row.max_score:g}" if row.graded else "not graded"
        lines.append("  ".join([f"{row.student:<{width}}",
                                *(f"{c:>{w}}" for c, w in zip(cells, columns)),
                                f"{total:>12}", f"{row.manual_max:g} points"]))
    return "\n".join(lines)
