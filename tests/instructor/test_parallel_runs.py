"""Grading runs at course scale on the toy course: a dask cluster of worker processes,
and a run killed midway and resumed, which must end with the same grades."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from cs_utils.assignments import REPO_ROOT
from cs_utils.instructor.autograde import autograde
from cs_utils.instructor.gradebook import JOURNAL, check_integrity
from cs_utils.instructor.release import build_release
from cs_utils.instructor.simulate import fill_in_solutions, plant_bug, start_from_release
from tests.instructor.toy import make_toy_assignment, zip_folder

pytestmark = pytest.mark.slow

# student -> (bug planted in tp/ops.py or None, expected autograded score)
CLASS = {
    "alice": (None, 5), "bob": ("untouched", 0), "carol": (("return 2 * x", "return x + 1"), 3),
    "dan": (None, 5), "eve": (("return np.log(x)", "return np.log(x + 1e-300)"), 2),
    "fay": (None, 5),
}


@pytest.fixture(scope="module")
def toy_class(tmp_path_factory):
    """The toy release and a folder of the class's zips."""
    root = tmp_path_factory.mktemp("parallel")
    assignment = make_toy_assignment(root / "source")
    release = build_release(target=root / "release", course_dir=root / "release_course",
                            assignments=[assignment], log=lambda *a: None)
    subs = root / "submissions"
    subs.mkdir()
    for student, (bug, _) in CLASS.items():
        folder = start_from_release(release / "toy" / "toy", root / "students" / student)
        if bug != "untouched":
            fill_in_solutions(folder, assignment)
        if isinstance(bug, tuple):
            plant_bug(folder, "tp/ops.py", *bug)
        zip_folder(folder, subs / f"{student}.zip")
    return {"root": root, "assignment": assignment, "subs": subs}


def scores(rows):
    return {row.student: row.score for row in rows}


def journal(course):
    with sqlite3.connect(course / "gradebook.db") as db:
        return db.execute(f"SELECT student, run_id, status FROM {JOURNAL}").fetchall()


@pytest.fixture(scope="module")
def dask_run(toy_class):
    """A clean run on a local dask cluster of two worker processes on 127.0.0.1."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    messages = []
    try:
        rows, _, _ = autograde(toy_class["assignment"], toy_class["subs"],
                               course_dir=toy_class["root"] / "dask_course",
                               dask=cluster.scheduler_address, log=messages.append)
    finally:
        cluster.close()
    return {"rows": rows, "log": messages, "course": toy_class["root"] / "dask_course"}


def test_dask_cluster_grades_the_class(dask_run):
    assert scores(dask_run["rows"]) == {s: expected for s, (_, expected) in CLASS.items()}
    workers = set(re.findall(r"graded in \d+ s \(\S+ on (\S+)\)", "\n".join(dask_run["log"])))
    assert workers and not any(w.endswith(f":{os.getpid()}") for w in workers)
    assert any("dask scheduler tcp://127.0.0.1" in line for line in dask_run["log"])
    assert check_integrity(f"sqlite:///{dask_run['course'] / 'gradebook.db'}") == []


DRIVER = textwrap.dedent("""
    import sys
    from cs_utils.instructor.autograde import autograde
    from tests.instructor.toy import toy_assignment
    autograde(toy_assignment(sys.argv[1]), sys.argv[2], course_dir=sys.argv[3], workers=1)
""")


def test_killed_run_resumes_without_losing_or_repeating_a_grade(toy_class, dask_run):
    course = toy_class["root"] / "killed_course"
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(toy_class["root"] / "source"),
                             str(toy_class["subs"]), str(course)], cwd=REPO_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if len(journal(course)) >= 2:
                    break
            except sqlite3.OperationalError:  # no gradebook or journal yet
                pass
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    first = {student for student, _, _ in journal(course)}
    assert 2 <= len(first) < len(CLASS), "the run was not killed midway"

    messages = []
    rows, _, _ = autograde(toy_class["assignment"], toy_class["subs"], course_dir=course,
                           workers=2, log=messages.append)
    log = "\n".join(messages)
    skipped = set(re.findall(r"^(\w+): already graded", log, re.M))
    graded = set(re.findall(r"\] (\w+): graded in", log))
    assert skipped == first and graded == set(CLASS) - first
    rows_by_run = journal(course)
    assert sorted(student for student, _, _ in rows_by_run) == sorted(CLASS)  # once each
    assert len({run for _, run, _ in rows_by_run}) == 2
    assert scores(rows) == scores(dask_run["rows"])
    assert check_integrity(f"sqlite:///{course / 'gradebook.db'}") == []
    for student in CLASS:
        assert (course / "feedback" / student / "toy" / "toy.html").exists()
        assert (course / "reports" / "toy" / f"{student}.txt").exists()
