"""The gradebook side of autograding: saving a student's grades in one transaction,
the run journal that makes an interrupted run resumable, and an integrity check.

Only the coordinating process calls these. nbgrader's Gradebook takes any SQLAlchemy
URL: SQLite by default, PostgreSQL with ``postgresql://user@host:port/db``.

The journal is one table of our own beside nbgrader's, ``course_autograde_journal``:
a row per (assignment, student) holding the sha256 of the zip that was graded, the run
that graded it and whether its feedback was written. The row is written in the same
transaction as the student's grades, so a student counts as done exactly when their
grades are committed: a killed run, resumed, neither loses nor repeats a grade.
"""

import datetime
import warnings
from dataclasses import dataclass

from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy import text
from sqlalchemy.exc import SAWarning

JOURNAL = "course_autograde_journal"
_CREATE_JOURNAL = f"""
CREATE TABLE IF NOT EXISTS {JOURNAL} (
    assignment VARCHAR(128) NOT NULL,
    student VARCHAR(128) NOT NULL,
    zip_sha256 VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    status VARCHAR(16) NOT NULL,
    feedback INTEGER NOT NULL DEFAULT 0,
    graded_at VARCHAR(40) NOT NULL,
    PRIMARY KEY (assignment, student)
)"""


@dataclass(frozen=True)
class JournalEntry:
    student: str
    zip_sha256: str
    run_id: str
    status: str  # "graded" or "not graded"
    feedback: bool


def ensure_journal(db_url):
    with Gradebook(db_url) as gradebook:
        gradebook.db.execute(text(_CREATE_JOURNAL))
        gradebook.db.commit()


def read_journal(db_url, assignment_name):
    """student -> JournalEntry for one assignment."""
    with Gradebook(db_url) as gradebook:
        rows = gradebook.db.execute(text(
            f"SELECT student, zip_sha256, run_id, status, feedback FROM {JOURNAL} "
            f"WHERE assignment = :assignment"), {"assignment": assignment_name}).all()
    return {row[0]: JournalEntry(row[0], row[1], row[2], row[3], bool(row[4])) for row in rows}


def _record(session, assignment_name, student, zip_sha256, run_id, status):
    """Replace the student's journal row, inside the caller's transaction."""
    key = {"assignment": assignment_name, "student": student}
    session.execute(text(f"DELETE FROM {JOURNAL} WHERE assignment = :assignment "
                         f"AND student = :student"), key)
    session.execute(text(
        f"INSERT INTO {JOURNAL} (assignment, student, zip_sha256, run_id, status, feedback, "
        f"graded_at) VALUES (:assignment, :student, :sha, :run, :status, 0, :at)"),
        {**key, "sha": zip_sha256, "run": run_id, "status": status,
         "at": datetime.datetime.now(datetime.timezone.utc).isoformat()})


def mark_feedback_done(db_url, assignment_name, student):
    with Gradebook(db_url) as gradebook:
        gradebook.db.execute(text(f"UPDATE {JOURNAL} SET feedback = 1 WHERE "
                                  f"assignment = :assignment AND student = :student"),
                             {"assignment": assignment_name, "student": student})
        gradebook.db.commit()


def record_ungraded(db_url, assignment_name, student, zip_sha256, run_id):
    """Journal a zip that could not be graded at all (it has no grades to commit)."""
    with Gradebook(db_url) as gradebook:
        _record(gradebook.db, assignment_name, student, zip_sha256, run_id, "not graded")
        gradebook.db.commit()


def cell_scores(nb):
    """grade_id -> (auto score or None, comment) of an executed, filtered notebook."""
    scores = {}
    for cell in nb.cells:
        if utils.is_grade(cell):
            scores[cell.metadata.nbgrader["grade_id"]] = utils.determine_grade(cell)[0]
    return scores


def no_response(nb):
    """grade ids of solution cells the student left as released."""
    return {cell.metadata.nbgrader["grade_id"] for cell in nb.cells
            if utils.is_solution(cell) and not utils.is_task(cell)
            and cell.metadata.nbgrader.get("checksum") == utils.compute_checksum(cell)}


def commit_grades(db_url, course_id, assignment, student, notebooks, zip_sha256, run_id):
    """Save one student's grades and journal row in a single transaction.

    ``notebooks`` maps each notebook name of the assignment to its executed and
    filtered notebook, or None when it could not be graded (missing, broken, killed):
    every grade of such a notebook is 0. A graded cell absent from a notebook gets 0.
    """
    with Gradebook(db_url, course_id) as gradebook:
        gradebook.update_or_create_student(student)
        with warnings.catch_warnings():
            # nbgrader's own add_submission trips SQLAlchemy's autoflush notice; harmless.
            warnings.simplefilter("ignore", SAWarning)
            gradebook.update_or_create_submission(assignment.name, student)
        session = gradebook.db
        for name in assignment.notebooks:
            nb = notebooks.get(name)
            scores = cell_scores(nb) if nb is not None else {}
            empty = no_response(nb) if nb is not None else set()
            submitted = gradebook.find_submission_notebook(name, assignment.name, student)
            for grade in submitted.grades:
                grade.auto_score = scores.get(grade.name, 0.0)
                grade.needs_manual_grade = (grade.manual_score is not None
                                            or grade.auto_score is None)
            for comment in submitted.comments:
                comment.auto_comment = "No response." if comment.name in empty else None
        _record(session, assignment.name, student, zip_sha256, run_id, "graded")
        session.commit()


def check_integrity(db_url, assignment_name=None):
    """Problems found in the gradebook (an empty list when it is sound).

    Checks: SQLite's own integrity and foreign-key checks; for every submitted
    notebook exactly one grade per grade cell and one comment per solution cell of its
    notebook; every score within [0, max]; no grade or comment without its submitted
    notebook or cell; no journal row without a submission when it says "graded".
    """
    problems = []
    with Gradebook(db_url) as gradebook:
        session = gradebook.db
        if db_url.startswith("sqlite"):
            result = session.execute(text("PRAGMA integrity_check")).scalar()
            if result != "ok":
                problems.append(f"SQLite integrity_check: {result}")
            for row in session.execute(text("PRAGMA foreign_key_check")).all():
                problems.append(f"foreign key violation: {tuple(row)}")
        for table in ("grade", "comment"):
            orphans = session.execute(text(
                f"SELECT COUNT(*) FROM {table} t LEFT JOIN submitted_notebook s "
                f"ON t.notebook_id = s.id LEFT JOIN base_cell c ON t.cell_id = c.id "
                f"WHERE s.id IS NULL OR c.id IS NULL")).scalar()
            if orphans:
                problems.append(f"{orphans} {table} rows without their notebook or cell")
        assignments = gradebook.assignments if assignment_name is None else \
            [gradebook.find_assignment(assignment_name)]
        for assignment in assignments:
            for submission in assignment.submissions:
                for submitted in submission.notebooks:
                    problems += _notebook_problems(submitted)
        rows = session.execute(text(f"SELECT assignment, student, status FROM {JOURNAL}")).all() \
            if JOURNAL in _tables(gradebook) else []
        for assignment, student, status in rows:
            if assignment_name not in (None, assignment) or status != "graded":
                continue
            try:
                gradebook.find_submission(assignment, student)
            except MissingEntry:
                problems.append(f"journal says {student} was graded in {assignment}, "
                                f"but there is no submission")
    return problems


def _tables(gradebook):
    from sqlalchemy import inspect
    return set(inspect(gradebook.engine).get_table_names())


def _notebook_problems(submitted):
    where = f"{submitted.student.id}/{submitted.assignment.name}/{submitted.name}"
    problems = []
    cells = {cell.name: cell for cell in submitted.notebook.grade_cells}
    grades = [grade.name for grade in submitted.grades]
    for name in set(cells) | set(grades):
        if grades.count(name) != 1:
            problems.append(f"{where}: {grades.count(name)} grades for cell {name}")
    solutions = {cell.name for cell in submitted.notebook.solution_cells}
    comments = [comment.name for comment in submitted.comments]
    for name in solutions | set(comments):
        if comments.count(name) != 1:
            problems.append(f"{where}: {comments.count(name)} comments for cell {name}")
    for grade in submitted.grades:
        best = float(grade.max_score)
        for kind in ("auto_score", "manual_score"):
            value = getattr(grade, kind)
            if value is not None and not 0 <= float(value) <= best:
                problems.append(f"{where}: {kind} {value} of cell {grade.name} is outside "
                                f"[0, {best:g}]")
    return problems
