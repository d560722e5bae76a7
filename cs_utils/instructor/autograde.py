"""Autograde a folder of student zips and return feedback.

Steps, in order, for each zip::

    import (safe extraction, repairs, report) -> nbgrader autograde
    -> nbgrader generate_feedback (hidden tests removed)

then, for the class: the grade table in ``<course>/grades/<assignment>.csv`` and one
report per student in ``<course>/reports/<assignment>/``. One student's failure is
written into that student's report and never stops the run.
"""

import subprocess
from pathlib import Path

from ..assignments import REPO_ROOT, get_assignment
from .course import Course, NbgraderError
from .grades import format_grade_table, gradebook_students, read_grades, write_grades_csv
from .release import generate_assignment
from .submissions import import_submission, student_id_for

# Wall-clock limit for one student's whole autograde, on top of nbgrader's per-cell limit.
SECONDS_PER_NOTEBOOK = 600


def ensure_generated(course, assignment, log=print):
    """The student version and gradebook entries must exist before grading."""
    released = course.path("release", assignment.name)
    if not released.exists():
        log(f"Generating {assignment.name} in {course.root} first")
        generate_assignment(course, assignment)
    return released


def grade_student(course, assignment, report):
    """Run nbgrader autograde and generate_feedback for one imported student."""
    timeout = SECONDS_PER_NOTEBOOK * len(assignment.notebooks)
    for step in ("autograde", "generate_feedback"):
        try:
            course.nbgrader(step, assignment.name, "--student", report.student, "--force",
                            "--log-level=WARN", timeout=timeout)
        except subprocess.TimeoutExpired:
            report.problem(f"{step} did not finish within {timeout} s")
            report.gradable = False
            return
        except NbgraderError as exc:
            report.problem(f"{step} failed: {exc}")
            report.gradable = False
            return


REPORT_PROBLEM_PREFIX = "  - "


def reports_folder(course, assignment):
    return course.path("reports", assignment.name)


def recorded_problems(course, assignment):
    """student -> problems, from the reports of this run and of earlier ones."""
    problems = {}
    folder = reports_folder(course, assignment)
    for path in sorted(folder.glob("*.txt")) if folder.exists() else []:
        lines = path.read_text().splitlines()
        problems[path.stem] = [line[len(REPORT_PROBLEM_PREFIX):] for line in lines
                               if line.startswith(REPORT_PROBLEM_PREFIX)]
    return problems


def write_report(course, assignment, report, grades):
    """A plain-text report per student, for the instructor and for the student."""
    folder = reports_folder(course, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"student: {report.student}", f"zip: {report.zip_name}",
             f"autograded: {grades.score:g} / {grades.max_score:g}"
             if grades.graded else "autograded: not graded",
             f"points left to grade by hand: {grades.manual_max:g}"]
    lines += [f"  {name}: {score:g} / {best:g}" for name, (score, best)
              in grades.notebooks.items()]
    lines += ["problems:"] + [REPORT_PROBLEM_PREFIX + p for p in report.problems] \
        if report.problems else ["problems: none"]
    path = folder / f"{report.student}.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def unique_student(student, taken):
    """Give a repeated student id a numbered suffix so that no zip overwrites another."""
    candidate, number = student, 2
    while candidate in taken:
        candidate, number = f"{student}_{number}", number + 1
    taken.add(candidate)
    return candidate


def autograde(assignment_name, submissions, course_dir=None, log=print):
    """Grade every ``*.zip`` in ``submissions``; return (this run's grade rows, their
    reports, the path of the class's grade table)."""
    assignment = get_assignment(assignment_name)
    course = Course(course_dir or REPO_ROOT / "grading").prepare([assignment])
    released = ensure_generated(course, assignment, log)
    zips = sorted(Path(submissions).glob("*.zip"))
    if not zips:
        raise SystemExit(f"no .zip files in {submissions}")
    reports, taken = [], set()
    for number, zip_path in enumerate(zips, start=1):
        wanted = student_id_for(zip_path, assignment)
        student = unique_student(wanted, taken)
        report = import_submission(zip_path, course, assignment, released, student=student)
        if student != wanted:
            report.problems.insert(0, f"another zip also maps to {wanted!r}; "
                                      f"graded as {student!r}")
        log(f"[{number}/{len(zips)}] {report.student}: "
            f"{'grading' if report.gradable else 'cannot be graded'}")
        if report.gradable:
            grade_student(course, assignment, report)
        reports.append(report)
    rows = read_grades(course, assignment, [r.student for r in reports])
    for report, row in zip(reports, rows):
        write_report(course, assignment, report, row)
    # The grade table covers the whole class: students graded in earlier runs too.
    problems = recorded_problems(course, assignment)
    everyone = sorted(set(problems) | gradebook_students(course, assignment))
    csv_path = write_grades_csv(read_grades(course, assignment, everyone), assignment,
                                course.path("grades", f"{assignment.name}.csv"), problems)
    log(format_grade_table(rows, assignment))
    log(f"Grades: {csv_path}")
    log(f"Feedback: {course.path('feedback')}/<student>/{assignment.name}/*.html")
    log(f"Reports: {course.path('reports', assignment.name)}")
    return rows, reports, csv_path
