"""Autograde a folder of student zips and return feedback.

Steps, in order, for each zip::

    import (safe extraction, repairs, report)            coordinator
    -> sanitize against the gradebook (test cells restored)   coordinator
    -> execute every notebook in the sandbox              a worker (thread or dask)
    -> check and filter the executed notebooks, save the grades and the journal row
       in one transaction                                  coordinator
    -> write the report and nbgrader's feedback            coordinator

then, for the class: the grade table in ``<course>/grades/<assignment>.csv``. Jobs run
in parallel (``workers``, default one per CPU, or the workers of a dask cluster);
only the coordinating process writes the gradebook. A run that is killed can be run
again: students whose zip was already graded are skipped (``regrade=True`` grades them
again). One student's failure is written into that student's report and never stops
the run.
"""

import hashlib
import os
import re
import shutil
import time
import uuid
from pathlib import Path

import nbformat
from sqlalchemy import create_engine, inspect, text

from ..assignments import REPO_ROOT, get_assignment
from .course import Course
from .feedback import FeedbackError, FeedbackWriter
from .gradebook import (commit_grades, ensure_journal, mark_feedback_done, read_journal,
                        record_ungraded)
from .grades import (format_grade_table, grade_lines, gradebook_students, notebook_summary,
                     read_grades, write_grades_csv)
from .jobs import build_job, describe_run, run_job
from .pools import make_pool
from .release import generate_assignment
from .sandbox import Limits, describe_isolation, detect_isolation
from .sanitize import UngradableNotebook, check_executed, finish_executed
from .submissions import ImportReport, import_submission, student_id_for

# Wall-clock limit for one notebook, on top of nbgrader's per-cell limit.
SECONDS_PER_NOTEBOOK = 600


def ensure_generated(course, assignment, log=print):
    """The student version and gradebook entries must exist before grading (a new
    gradebook, PostgreSQL say, gets the assignment's cells from the source again)."""
    released = course.path("release", assignment.name)
    if not released.exists() or not assignment_in_gradebook(course.db_url, assignment.name):
        log(f"Generating {assignment.name} in {course.root} first")
        generate_assignment(course, assignment)
    return released


def assignment_in_gradebook(db_url, name):
    """Whether the gradebook knows the assignment. Looks without nbgrader's Gradebook,
    which would create a missing database in this process; nbgrader's own commands
    create it (with the alembic stamp they need)."""
    engine = create_engine(db_url)
    try:
        if "assignment" not in inspect(engine).get_table_names():
            return False
        with engine.connect() as connection:
            return connection.execute(text("SELECT 1 FROM assignment WHERE name = :name"),
                                      {"name": name}).first() is not None
    finally:
        engine.dispose()


def default_limits(config):
    """The sandbox limits, with the per-cell time limit of the course's nbgrader config."""
    cell = config.Execute.get("timeout", 300) if "Execute" in config else 300
    return Limits(seconds_per_notebook=SECONDS_PER_NOTEBOOK, seconds_per_cell=cell or 300)


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


def grades_csv_path(course, assignment):
    return course.path("grades", f"{assignment.name}.csv")


def write_class_table(course, assignment):
    """The grade table of the whole class (students graded in earlier runs too, and
    zips that could not be graded), from the gradebook; returns its path."""
    problems = recorded_problems(course, assignment)
    everyone = sorted(set(problems) | gradebook_students(course, assignment))
    return write_grades_csv(read_grades(course, assignment, everyone), assignment,
                            grades_csv_path(course, assignment), problems)


def notebook_time(report, notebook):
    """' (ran 12 s)' for a notebook whose run this report timed, else ''."""
    seconds = report.notebook_seconds.get(notebook)
    return "" if seconds is None else f" (ran {seconds:.0f} s)"


RAN = re.compile(r"^  (?P<notebook>\S+): .* \(ran (?P<seconds>\d+) s\)$")


# The line of a report written just before its grades are committed. A run killed
# between the two leaves it; the next run rewrites such reports from the gradebook.
REPORT_BEING_SAVED = "autograded: being saved (if this line stays, run autograde again)"


def write_report(course, assignment, report, grades):
    """A plain-text report per student, for the instructor and for the student.

    ``grades`` is the student's row of the gradebook, or None for the report written
    just before the grades are committed (its problems must survive a kill between the
    commit and the final report). The file is replaced in one step.
    """
    folder = reports_folder(course, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"student: {report.student}", f"zip: {report.zip_name}",
             f"isolation: {report.isolation or 'not run'}"]
    if grades is None:
        lines.append(REPORT_BEING_SAVED)
    else:
        lines += grade_lines(grades)
        lines += [f"  {name}: {notebook_summary(notebook)}" + notebook_time(report, name)
                  for name, notebook in grades.notebooks.items()]
    lines += ["problems:"] + [REPORT_PROBLEM_PREFIX + p for p in report.problems] \
        if report.problems else ["problems: none"]
    path = folder / f"{report.student}.txt"
    partial = path.with_suffix(".txt.partial")
    partial.write_text("\n".join(lines) + "\n")
    os.replace(partial, path)
    return path


def report_from_file(path):
    """The ImportReport a report file was written from (student, zip, isolation,
    problems and notebook run times)."""
    fields, seconds = {"problems": []}, {}
    for line in Path(path).read_text().splitlines():
        ran = RAN.search(line)
        if ran:
            seconds[ran["notebook"]] = float(ran["seconds"])
        if line.startswith(REPORT_PROBLEM_PREFIX):
            fields["problems"].append(line[len(REPORT_PROBLEM_PREFIX):])
        elif line.startswith(("zip: ", "isolation: ")):
            key, value = line.split(": ", 1)
            fields[key] = value
    isolation = fields.get("isolation")
    return ImportReport(student=Path(path).stem, zip_name=fields.get("zip", ""),
                        problems=fields["problems"], notebook_seconds=seconds,
                        isolation=None if isolation in (None, "not run") else isolation)


def unique_student(student, taken):
    """Give a repeated student id a numbered suffix so that no zip overwrites another."""
    candidate, number = student, 2
    while candidate in taken:
        candidate, number = f"{student}_{number}", number + 1
    taken.add(candidate)
    return candidate


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def plan_students(zips, assignment):
    """(zip, student id, note) for each zip, in a stable order (so a resumed run gives
    every zip the same id as the run it resumes)."""
    plan, taken = [], set()
    for zip_path in zips:
        wanted = student_id_for(zip_path, assignment)
        student = unique_student(wanted, taken)
        note = None if student == wanted else \
            f"another zip also maps to {wanted!r}; graded as {student!r}"
        plan.append((zip_path, student, note))
    return plan


def write_autograded(course, assignment, student, notebooks):
    """nbgrader's autograded/ copy: the graded notebooks and the submitted package."""
    folder = course.path("autograded", student, assignment.name)
    if folder.exists():
        shutil.rmtree(folder)
    submitted = course.path("submitted", student, assignment.name)
    shutil.copytree(submitted, folder, ignore=shutil.ignore_patterns("*.ipynb"))
    for name, nb in notebooks.items():
        if nb is not None:
            nbformat.write(nb, folder / f"{name}.ipynb", version=4)


class Grader:
    """The coordinator's part of a run: the steps before and after the sandbox."""

    def __init__(self, course, assignment, run_id, limits, isolation, log):
        self.course, self.assignment, self.run_id = course, assignment, run_id
        self.limits, self.isolation, self.log = limits, isolation, log
        self.config = course.config()
        self.course_id = self.config.CourseDirectory.get("course_id", "default_course")
        self.feedback = FeedbackWriter(self.config)

    def prepare(self, zip_path, student, note):
        """Import and sanitize; returns (report, job or None when nothing can run)."""
        report = import_submission(zip_path, self.course, self.assignment,
                                   self.course.path("release", self.assignment.name),
                                   student=student)
        report.zip_sha256 = file_sha256(zip_path)
        if note:
            report.problems.insert(0, note)
        if not report.gradable:
            return report, None
        job = build_job(self.course, self.assignment, student, self.config, report,
                        self.limits, self.isolation)
        return report, job

    def not_gradable(self, report):
        """Journal a zip with nothing to grade and write its report."""
        record_ungraded(self.course.db_url, self.assignment.name, report.student,
                        report.zip_sha256, self.run_id)
        self.write_report(report)

    def finish(self, report, job, result):
        """Check the executed notebooks, commit the grades and journal row, then write
        the report and the feedback."""
        report.isolation = result.isolation if result.executed else None
        report.notebook_seconds = dict(result.notebook_seconds)
        notebooks = {}
        for name in self.assignment.notebooks:
            if name not in job.notebooks:
                notebooks[name] = None
                continue
            sent = nbformat.reads(job.notebooks[name], as_version=4)
            executed, status = result.executed.get(name), result.statuses.get(name, {})
            nb = None
            if executed is not None and not status.get("killed"):
                try:
                    nb = check_executed(executed, sent)
                    resources = {"nbgrader": {"notebook": name,
                                              "assignment": self.assignment.name,
                                              "student": report.student,
                                              "db_url": self.course.db_url}}
                    nb = finish_executed(nb, self.config, resources)
                except UngradableNotebook as exc:
                    report.problem(f"{name}.ipynb: {exc}; it gets no points")
                    nb = None
            elif not status.get("killed"):
                report.problem(f"{name}.ipynb: no result came back "
                               f"({status.get('error') or 'unknown reason'}); no points")
            report.problems.extend(describe_run(name, status, nb, self.limits))
            notebooks[name] = nb
        write_autograded(self.course, self.assignment, report.student, notebooks)
        write_report(self.course, self.assignment, report, None)
        commit_grades(self.course.db_url, self.course_id, self.assignment, report.student,
                      notebooks, report.zip_sha256, self.run_id)
        self.write_report(report)
        if not any(nb is not None for nb in notebooks.values()):
            # Nothing was graded, so there is no feedback to write, now or later.
            mark_feedback_done(self.course.db_url, self.assignment.name, report.student)
        elif not self.write_feedback(report.student, report.problem):
            self.write_report(report)  # now with the feedback problem

    def write_feedback(self, student, problem):
        """nbgrader's feedback for one graded student; False (and a problem) if it fails."""
        try:
            self.feedback.write(self.assignment.name, student)
        except FeedbackError as exc:
            self.log(f"{student}: nbgrader could not write the feedback:\n{exc.log}")
            problem(f"feedback could not be written ({exc}); run autograde again to retry")
            return False
        mark_feedback_done(self.course.db_url, self.assignment.name, student)
        return True

    def write_report(self, report):
        row, = read_grades(self.course, self.assignment, [report.student])
        write_report(self.course, self.assignment, report, row)


def autograde(assignment_name, submissions, course_dir=None, log=print, workers=None,
              dask=None, db=None, limits=None, isolation=None, regrade=False):
    """Grade every ``*.zip`` in ``submissions``; return (the grade rows of the students
    in the folder, this run's reports, the path of the class's grade table).

    - workers: jobs at a time on this machine (default: one per CPU);
    - dask: address of a dask.distributed scheduler to run the jobs on instead;
    - db: SQLAlchemy URL of the gradebook (default: SQLite in the course folder);
    - limits: sandbox Limits (default: 600 s per notebook, the course's cell timeout);
    - isolation: a sandbox mode to insist on (default: the strongest available);
    - regrade: grade zips again even when the journal says they were graded.
    """
    assignment = get_assignment(assignment_name)
    course = Course(course_dir or REPO_ROOT / "grading", database=db).prepare([assignment])
    zips = sorted(Path(submissions).glob("*.zip"))
    if not zips:
        raise SystemExit(f"no .zip files in {submissions}")
    ensure_generated(course, assignment, log)
    ensure_journal(course.db_url)
    mode = detect_isolation(isolation)
    run_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    grader = Grader(course, assignment, run_id, limits or default_limits(course.config()),
                    isolation, log)
    journal = read_journal(course.db_url, assignment.name)
    plan, reports = [], []
    for zip_path, student, note in plan_students(zips, assignment):
        entry = journal.get(student)
        if entry and not regrade and entry.zip_sha256 == file_sha256(zip_path):
            log(f"{student}: already graded (run {entry.run_id}), zip unchanged: skipped")
            continue
        plan.append((zip_path, student, note))
    pool = make_pool(workers, dask) if plan else None
    if pool:
        log(f"Grading {len(plan)} of {len(zips)} zips with {pool.description}; isolation on "
            f"this machine: {mode} ({describe_isolation(mode)})")
    try:
        if pool:
            reports = _grade_all(grader, pool, plan, log)
    finally:
        if pool:
            pool.close()
    _finish_earlier_runs(grader, log)
    rows = read_grades(course, assignment,
                       [student for _, student, _ in plan_students(zips, assignment)])
    csv_path = write_class_table(course, assignment)
    log(format_grade_table(rows, assignment))
    log(f"Grades: {csv_path}")
    log(f"Feedback: {course.path('feedback')}/<student>/{assignment.name}/*.html")
    log(f"Reports: {course.path('reports', assignment.name)}")
    return rows, reports, csv_path


def _grade_all(grader, pool, plan, log):
    """Keep about two jobs per worker in flight; commit each result as it arrives."""
    pending, reports, queue = {}, [], list(plan)
    total, done = len(plan), 0
    window = 2 * pool.workers
    while queue or pending:
        while queue and len(pending) < window:
            zip_path, student, note = queue.pop(0)
            report, job = grader.prepare(zip_path, student, note)
            if job is None:
                grader.not_gradable(report)
                reports.append(report)
                done += 1
                log(f"[{done}/{total}] {student}: cannot be graded")
                continue
            pending[pool.submit(run_job, job)] = (report, job)
        if not pending:
            continue
        for future in pool.wait_any(list(pending)):
            report, job = pending.pop(future)
            done += 1
            try:
                result = future.result()
            except Exception as exc:  # the worker itself failed: retried by the next run
                report.problem(f"grading failed on the worker ({type(exc).__name__}: {exc}); "
                               f"not graded, run autograde again")
                reports.append(report)
                log(f"[{done}/{total}] {report.student}: worker failed: {exc}")
                continue
            grader.finish(report, job, result)
            reports.append(report)
            log(f"[{done}/{total}] {report.student}: graded in {result.seconds:.0f} s "
                f"({result.isolation} on {result.worker})")
    return reports


def _finish_earlier_runs(grader, log):
    """A run killed after a commit: write the report and the feedback it did not write."""
    course, assignment = grader.course, grader.assignment
    for student, entry in read_journal(course.db_url, assignment.name).items():
        path = reports_folder(course, assignment) / f"{student}.txt"
        if entry.status == "graded" and path.exists() \
                and REPORT_BEING_SAVED in path.read_text().splitlines():
            log(f"{student}: writing the report an interrupted run did not finish")
            grader.write_report(report_from_file(path))
        if entry.status == "graded" and not entry.feedback:
            log(f"{student}: writing the feedback an interrupted run did not write")
            grader.write_feedback(student, lambda text, who=student: log(f"{who}: {text}"))
