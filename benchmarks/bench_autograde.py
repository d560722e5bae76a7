"""Autograding throughput: reference submissions graded with 1, 2 and all workers.

``python -m benchmarks autograde [--submissions N] [--workers 1,2,all]`` builds the
release once, makes N reference zips with the simulated students, then grades the
same zips in a fresh course folder per worker count (generating the assignment in
the gradebook is done before the clock starts). Prints submissions per minute, wall
seconds per submission, and the mean time one submission spends in its sandbox.
"""

import argparse
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks import format_table
from cs_utils.assignments import get_assignment
from cs_utils.collect_submission import make_submission_zip
from cs_utils.instructor.autograde import autograde
from cs_utils.instructor.course import Course
from cs_utils.instructor.release import build_release, generate_assignment
from cs_utils.instructor.sandbox import describe_isolation, detect_isolation
from cs_utils.instructor.simulate import fill_in_solutions, start_from_release


def worker_counts(text):
    """'1,2,all' -> [1, 2, cpu_count], without repeats, in order."""
    counts = []
    for part in text.split(","):
        count = os.cpu_count() or 1 if part.strip() == "all" else int(part)
        if count < 1:
            raise argparse.ArgumentTypeError("worker counts must be at least 1")
        if count not in counts:
            counts.append(count)
    return counts


def make_reference_zips(assignment, release, folder, count):
    folder.mkdir(parents=True)
    for number in range(count):
        student = start_from_release(release / assignment.name / assignment.name,
                                     folder.parent / "students" / f"student{number:03d}")
        fill_in_solutions(student, assignment)
        make_submission_zip(assignment, student,
                            folder / f"student{number:03d}_{assignment.name}_submission.zip")


def time_run(assignment, zips, course_dir, workers):
    """(wall seconds, mean sandbox seconds per submission, autograded scores)."""
    generate_assignment(Course(course_dir).prepare([assignment]), assignment)
    messages = []
    started = time.perf_counter()
    rows, _, _ = autograde(assignment, zips, course_dir=course_dir, workers=workers,
                           log=messages.append)
    wall = time.perf_counter() - started
    per_job = [float(s) for s in re.findall(r"graded in (\d+) s", "\n".join(messages))]
    return wall, statistics.mean(per_job) if per_job else float("nan"), \
        [row.score for row in rows]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks autograde",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=4)
    parser.add_argument("--workers", type=worker_counts, default=worker_counts("1,2,all"))
    parser.add_argument("--assignment", default="assignment1")
    args = parser.parse_args(argv)
    if args.submissions < 1:
        parser.error("--submissions must be at least 1")
    assignment = get_assignment(args.assignment)
    mode = detect_isolation()
    print(f"Autograding {args.submissions} reference submissions of {assignment.name}; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"isolation {mode} ({describe_isolation(mode)})")
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as temp:
        temp = Path(temp)
        release = build_release(target=temp / "release", course_dir=temp / "built",
                                assignments=[assignment.name], log=lambda *a: None)
        zips = temp / "zips"
        make_reference_zips(assignment, release, zips, args.submissions)
        table = []
        for workers in args.workers:
            wall, per_job, scores = time_run(assignment, zips, temp / f"course{workers}",
                                             workers)
            table.append([f"{workers}", f"{wall:.0f}", f"{60 * args.submissions / wall:.2f}",
                          f"{wall / args.submissions:.0f}", f"{per_job:.0f}",
                          f"{min(scores):g}-{max(scores):g}"])
            print(f"  {workers} worker(s): {wall:.0f} s", flush=True)
    print(format_table(["workers", "wall s", "submissions/min", "wall s/submission",
                        "sandbox s/submission", "scores"], table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
