"""Command line: ``python -m cs_utils.instructor
{release,autograde,feedback,grades,check-gradebook,demo}``."""

import argparse
import sys

from ..assignments import UnknownAssignmentError
from .sandbox import MODES


def add_gradebook_options(parser):
    """--course and --db, for the commands that read an existing course's gradebook."""
    parser.add_argument("--course", help="nbgrader course folder (default: grading/)")
    parser.add_argument("--db", metavar="URL", help="gradebook URL (default: the course's SQLite)")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m cs_utils.instructor",
                                     description="Course release, autograding and demo.")
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="write one student repository per assignment into release/")
    release.add_argument("--out", help="target folder (default: release/)")
    release.add_argument("--course", help="nbgrader course folder (default: grading/)")
    release.add_argument("--exchange", metavar="DIR",
                         help="the nbgrader exchange folder, when assignments are handed out "
                              "through one: the students' JupyterLab keeps its Assignment List")

    grade = commands.add_parser("autograde", help="grade a folder of student zips")
    grade.add_argument("assignment", help="e.g. assignment1")
    grade.add_argument("submissions", help="folder holding the students' .zip files")
    grade.add_argument("--course", help="nbgrader course folder (default: grading/)")
    grade.add_argument("--workers", type=int,
                       help="submissions graded at a time on this machine (default: one per CPU)")
    grade.add_argument("--dask", metavar="SCHEDULER_ADDRESS",
                       help="grade on the workers of this dask.distributed scheduler")
    grade.add_argument("--db", metavar="URL",
                       help="gradebook as an SQLAlchemy URL, e.g. postgresql://user@host/db "
                            "(default: SQLite in the course folder)")
    grade.add_argument("--isolation", choices=MODES,
                       help="insist on this sandbox mode (default: the strongest available)")
    grade.add_argument("--regrade", action="store_true",
                       help="grade again the zips an earlier run already graded")

    feedback = commands.add_parser(
        "feedback", help="after hand grading: every graded student's feedback, the reports "
                         "and the grade table, from the gradebook")
    feedback.add_argument("assignment", help="e.g. assignment1")
    feedback.add_argument("--student", action="append", metavar="ID",
                          help="only this student (repeatable)")
    add_gradebook_options(feedback)

    grades = commands.add_parser("grades", help="the grade table (and a Canvas import file)")
    grades.add_argument("assignment", help="e.g. assignment1")
    grades.add_argument("--canvas", metavar="FILE",
                        help="also write a CSV for Canvas's gradebook import here")
    grades.add_argument("--roster", metavar="EXPORT",
                        help="a CSV exported from the Canvas gradebook: students are matched "
                             "to it by SIS login, SIS user id or Canvas id")
    add_gradebook_options(grades)

    check = commands.add_parser("check-gradebook", help="integrity check of a gradebook")
    add_gradebook_options(check)

    demo = commands.add_parser("demo", help="the whole course cycle on generated data")
    demo.add_argument("--out", help="demo folder (default: demo/)")
    demo.add_argument("--assignment", action="append",
                      help="limit the demo to this assignment (repeatable)")

    args = parser.parse_args(argv)
    try:
        return _run(args)
    except UnknownAssignmentError as exc:
        parser.error(str(exc))


def _run(args):
    if args.command == "release":
        from .release import build_release
        build_release(target=args.out, course_dir=args.course, exchange_root=args.exchange)
    elif args.command == "autograde":
        from .autograde import autograde
        if args.workers is not None and args.workers < 1:
            raise SystemExit("--workers must be at least 1")
        autograde(args.assignment, args.submissions, course_dir=args.course,
                  workers=args.workers, dask=args.dask, db=args.db, isolation=args.isolation,
                  regrade=args.regrade)
    elif args.command == "feedback":
        from .hand_back import final_feedback
        result = final_feedback(args.assignment, course_dir=args.course, db=args.db,
                                students=args.student)
        return 1 if result.failed else 0
    elif args.command == "grades":
        from .hand_back import RosterError, grade_tables
        if args.roster and not args.canvas:
            raise SystemExit("--roster goes with --canvas FILE")
        try:
            grade_tables(args.assignment, course_dir=args.course, db=args.db,
                         canvas=args.canvas, roster=args.roster)
        except (RosterError, OSError) as exc:
            raise SystemExit(f"grades: {exc}") from None
    elif args.command == "check-gradebook":
        from .course import DEFAULT_COURSE_DIR, Course
        from .gradebook import check_integrity
        course = Course(args.course or DEFAULT_COURSE_DIR, database=args.db)
        problems = check_integrity(course.db_url)
        print("\n".join(problems) or f"{course.db_url}: no problems found")
        return 1 if problems else 0
    elif args.command == "demo":
        from .demo import run_demo
        return run_demo(out=args.out, assignments=args.assignment)
    return 0


if __name__ == "__main__":
    sys.exit(main())
