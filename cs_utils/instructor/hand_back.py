"""After hand grading: final feedback, the grade table and the grades for the school.

    python -m cs_utils.instructor feedback assignment1 [--student ID ...]
    python -m cs_utils.instructor grades assignment1 [--canvas FILE [--roster EXPORT]]

Written answers are graded by hand in nbgrader's formgrader, which writes the scores
and comments into the gradebook. ``feedback`` then writes every graded student's
feedback again from the gradebook (hidden tests still hidden, hand scores and comments
shown), brings the grade lines of each report up to date and writes the class's grade
table; ``grades`` writes the table alone, and on request a CSV for Canvas's gradebook
import. Both can be run any number of times: everything they write is derived from the
gradebook and replaced in one step.

The steps of ``feedback``, top to bottom:

1. :func:`students_to_hand_back`: the students whose zip was graded, with a graded
   notebook to show;
2. :func:`hand_back` per student: nbgrader's feedback, its mark in the run journal and
   the report's grade lines; a failure is logged and counted, the others go on;
3. :func:`~cs_utils.instructor.autograde.write_class_table`: the grade table.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from ..assignments import REPO_ROOT, get_assignment
from .autograde import report_from_file, reports_folder, write_class_table, write_report
from .course import Course
from .feedback import FeedbackError, FeedbackWriter
from .gradebook import mark_feedback_done, read_journal
from .grades import gradebook_students, read_grades, write_csv_atomically


@dataclass
class HandBack:
    """What one ``feedback`` run did."""

    written: list = field(default_factory=list)     # students whose feedback was written
    failed: dict = field(default_factory=dict)      # student -> why not
    skipped: dict = field(default_factory=dict)     # student -> why there is nothing to show
    csv_path: Path = None


def open_course(assignment_name, course_dir=None, db=None):
    """(Assignment, Course) of an existing course folder."""
    assignment = get_assignment(assignment_name)
    course = Course(course_dir or REPO_ROOT / "grading", database=db)
    if not course.path("nbgrader_config.py").exists():
        raise SystemExit(f"{course.root} is not a course folder yet: run autograde first")
    return assignment, course.prepare([assignment])


def students_to_hand_back(course, assignment, wanted=None):
    """(students to write feedback for, {student: why not} for the others)."""
    journal = read_journal(course.db_url, assignment.name)
    skipped = {}
    if wanted:
        for student in set(wanted) - set(journal):
            skipped[student] = "no graded zip of this student in the gradebook"
    students = []
    for student, entry in sorted(journal.items()):
        if wanted and student not in wanted:
            continue
        folder = course.path("autograded", student, assignment.name)
        if entry.status != "graded":
            skipped[student] = "the zip could not be graded: its report says why"
        elif not any(folder.glob("*.ipynb")):
            skipped[student] = "no notebook could be graded: its report says why"
        else:
            students.append(student)
    return students, skipped


def hand_back(course, assignment, writer, student):
    """Write one student's feedback and report from the gradebook; raises FeedbackError."""
    writer.write(assignment.name, student)
    mark_feedback_done(course.db_url, assignment.name, student)
    path = reports_folder(course, assignment) / f"{student}.txt"
    if path.exists():
        row, = read_grades(course, assignment, [student])
        write_report(course, assignment, report_from_file(path), row)


def final_feedback(assignment_name, course_dir=None, db=None, students=None, log=print):
    """Feedback, reports and grade table after hand grading; returns a HandBack."""
    assignment, course = open_course(assignment_name, course_dir, db)
    result = HandBack()
    chosen, result.skipped = students_to_hand_back(course, assignment, students)
    writer = FeedbackWriter(course.config())
    for number, student in enumerate(chosen, 1):
        try:
            hand_back(course, assignment, writer, student)
        except FeedbackError as exc:
            result.failed[student] = str(exc).strip().splitlines()[-1:] or ["unknown error"]
            log(f"[{number}/{len(chosen)}] {student}: feedback could not be written: "
                f"{result.failed[student][0]}")
            continue
        result.written.append(student)
        log(f"[{number}/{len(chosen)}] {student}: feedback written")
    for student, why in sorted(result.skipped.items()):
        log(f"{student}: no feedback ({why})")
    result.csv_path = write_class_table(course, assignment)
    log(f"Feedback: {course.path('feedback')}/<student>/{assignment.name}/*.html "
        f"({len(result.written)} written, {len(result.failed)} failed)")
    log(f"Grades: {result.csv_path}")
    return result


# -- Canvas ----------------------------------------------------------------------------
# Canvas's gradebook import reads a CSV whose first columns identify the student
# (Student, ID, SIS User ID, SIS Login ID, Section) followed by one column per
# assignment, headed "Name (canvas id)" for an existing assignment or a new name to
# create one. Its own export has the same columns and a "Points Possible" row.

CANVAS_STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"


class RosterError(ValueError):
    """The roster file is not a Canvas gradebook export."""


@dataclass(frozen=True)
class CanvasStudent:
    student: str
    id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""

    def cells(self):
        return [self.student, self.id, self.sis_user_id, self.sis_login_id, self.section]


def read_roster(path):
    """(CanvasStudent per row, header) of a CSV exported from a Canvas gradebook."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in ("Student", "ID", "SIS Login ID") if c not in header]
        if missing:
            raise RosterError(f"{path}: not a Canvas gradebook export (no column "
                              f"{', '.join(map(repr, missing))}); export the gradebook from "
                              f"Canvas (Grades > Export > Export Entire Gradebook)")
        students = [CanvasStudent(row["Student"].strip(), row["ID"].strip(),
                                  (row.get("SIS User ID") or "").strip(),
                                  row["SIS Login ID"].strip(), (row.get("Section") or "").strip())
                    for row in reader
                    if row["Student"] and row["Student"].strip() != POINTS_POSSIBLE]
    return students, header


def match_roster(student_ids, roster):
    """student id -> CanvasStudent, matching the id against the SIS login, the SIS user
    id or the Canvas id (case does not matter); returns (matches, unmatched ids)."""
    index = {}
    for entry in roster:
        for key in (entry.sis_login_id, entry.sis_user_id, entry.id):
            if key:
                index.setdefault(key.lower(), entry)
    matches, unmatched = {}, []
    for student in student_ids:
        entry = index.get(student.lower())
        if entry is None:
            unmatched.append(student)
        else:
            matches[student] = entry
    return matches, unmatched


def canvas_column(assignment, header=()):
    """The roster's column of this assignment ("assignment1 (1234)"), else its name."""
    for name in header:
        if name == assignment.name or name.startswith(f"{assignment.name} ("):
            return name
    return assignment.name


def write_canvas_csv(rows, assignment, path, roster=None):
    """A CSV for Canvas's gradebook import: each student's total (autograded plus hand
    graded points). Returns (path, warnings).

    Without a roster each student id is written as the SIS Login ID (the zip names
    are the students' logins) and the Canvas id is left blank; with one (a Canvas
    gradebook export) the students are matched to it and its ids are written. A
    student who was not graded is left out (Canvas then keeps what it has); so is one
    the roster does not list.
    """
    warnings = []
    graded = [row for row in rows if row.graded]
    if roster:
        entries, header = read_roster(roster)
        matches, unmatched = match_roster([row.student for row in graded], entries)
        if unmatched:
            warnings.append(f"{len(unmatched)} graded students are not in the roster and are "
                            f"left out: {', '.join(unmatched)}")
    else:
        header = ()
        matches = {row.student: CanvasStudent(row.student, sis_login_id=row.student)
                   for row in graded}
    pending = [row.student for row in graded if row.ungraded_points]
    if pending:
        warnings.append(f"{len(pending)} students still have written answers to grade by "
                        f"hand; their Canvas score is not final: {', '.join(pending)}")
    total_max = max((row.total_max for row in rows), default=0.0)
    lines = [[POINTS_POSSIBLE, "", "", "", "", f"{total_max:g}"]]
    lines += [[*matches[row.student].cells(), f"{row.total:g}"]
              for row in graded if row.student in matches]
    path = write_csv_atomically(path, [*CANVAS_STUDENT_COLUMNS, canvas_column(assignment, header)],
                                lines)
    return path, warnings


def grade_tables(assignment_name, course_dir=None, db=None, canvas=None, roster=None, log=print):
    """Write the grade table, and with ``canvas`` the Canvas CSV; returns their paths."""
    assignment, course = open_course(assignment_name, course_dir, db)
    csv_path = write_class_table(course, assignment)
    log(f"Grades: {csv_path}")
    if canvas is None:
        return csv_path, None
    rows = read_grades(course, assignment, sorted(gradebook_students(course, assignment)))
    canvas_path, warnings = write_canvas_csv(rows, assignment, canvas, roster)
    for warning in warnings:
        log(f"warning: {warning}")
    log(f"Canvas import file: {canvas_path}")
    return csv_path, canvas_path
