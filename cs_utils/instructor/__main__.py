"""Command line: ``python -m cs_utils.instructor {release,autograde,demo}``."""

import argparse
import sys

from ..assignments import UnknownAssignmentError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m cs_utils.instructor",
                                     description="Course release, autograding and demo.")
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="write the student copy of the repository")
    release.add_argument("--out", help="target folder (default: release/)")
    release.add_argument("--course", help="nbgrader course folder (default: grading/)")

    grade = commands.add_parser("autograde", help="grade a folder of student zips")
    grade.add_argument("assignment", help="e.g. assignment1")
    grade.add_argument("submissions", help="folder holding the students' .zip files")
    grade.add_argument("--course", help="nbgrader course folder (default: grading/)")

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
        build_release(target=args.out, course_dir=args.course)
    elif args.command == "autograde":
        from .autograde import autograde
        autograde(args.assignment, args.submissions, course_dir=args.course)
    elif args.command == "demo":
        from .demo import run_demo
        return run_demo(out=args.out, assignments=args.assignment)
    return 0


if __name__ == "__main__":
    sys.exit(main())
