"""The gradebook in a real PostgreSQL server: a throw-away cluster started by the test
(initdb + pg_ctl, 127.0.0.1, a free port) and removed afterwards.

Skipped when the PostgreSQL server binaries are missing, except in CI, where
.ci/install-postgres.sh installs them and a missing server is a failure.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from cs_utils.instructor.autograde import autograde
from cs_utils.instructor.gradebook import JOURNAL, check_integrity
from cs_utils.instructor.release import build_release
from cs_utils.instructor.simulate import fill_in_solutions, plant_bug, start_from_release
from tests.instructor.toy import make_toy_assignment, zip_folder

pytestmark = pytest.mark.slow


def postgres_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    message = "PostgreSQL server binaries not found (apt-get install postgresql)"
    if os.environ.get("CI"):
        pytest.fail(message + "; .ci/install-postgres.sh should have installed them")
    pytest.skip(message)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    """A PostgreSQL cluster of our own; yields the URL of an empty database."""
    bindir = postgres_bin()
    psycopg2 = pytest.importorskip("psycopg2")
    # PostgreSQL refuses to run as root: use the postgres account then.
    runner = []
    folder = tempfile.mkdtemp(prefix="cs-pg-")
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(folder, account.pw_uid, account.pw_gid)
        runner = ["runuser", "-u", "postgres", "--"]
    data, port = os.path.join(folder, "data"), free_port()

    def run(*args):
        subprocess.run([*runner, *args], check=True, capture_output=True, timeout=120)

    run(f"{bindir}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
        "--no-sync")
    run(f"{bindir}/pg_ctl", "-D", data, "-l", os.path.join(folder, "log"), "-w", "start",
        "-o", f"-h 127.0.0.1 -p {port} -k {folder} -F")
    try:
        for _ in range(50):
            try:
                connection = psycopg2.connect(host="127.0.0.1", port=port, user="postgres",
                                              dbname="postgres")
                break
            except psycopg2.OperationalError:
                time.sleep(0.2)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("CREATE DATABASE gradebook")
        connection.close()
        yield f"postgresql://postgres@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run([*runner, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
                       capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


def test_autograde_into_postgresql(tmp_path, postgres_url):
    import psycopg2

    assignment = make_toy_assignment(tmp_path / "source")
    release = build_release(target=tmp_path / "release", course_dir=tmp_path / "built",
                            assignments=[assignment], log=lambda *a: None)
    subs = tmp_path / "submissions"
    subs.mkdir()
    for student, bug in (("ref", None), ("untouched", None), ("buggy", "return x + 1")):
        folder = start_from_release(release / "toy" / "toy", tmp_path / "students" / student)
        if student != "untouched":
            fill_in_solutions(folder, assignment)
        if bug:
            plant_bug(folder, "tp/ops.py", "return 2 * x", bug)
        zip_folder(folder, subs / f"{student}.zip")
    course = tmp_path / "course"
    rows, _, csv_path = autograde(assignment, subs, course_dir=course, db=postgres_url,
                                  workers=2, log=lambda *a: None)
    assert {r.student: r.score for r in rows} == {"ref": 5, "untouched": 0, "buggy": 3}
    assert not (course / "gradebook.db").exists()  # everything went to PostgreSQL
    assert check_integrity(postgres_url) == []
    with psycopg2.connect(postgres_url) as connection, connection.cursor() as cursor:
        cursor.execute(f"SELECT student, status, feedback FROM {JOURNAL} ORDER BY student")
        assert cursor.fetchall() == [("buggy", "graded", 1), ("ref", "graded", 1),
                                     ("untouched", "graded", 1)]
        cursor.execute("SELECT COUNT(*) FROM grade")
        assert cursor.fetchone()[0] == 3 * 3  # two test cells and one written answer each
    assert (course / "feedback" / "buggy" / "toy" / "toy.html").exists()
    assert "buggy" in csv_path.read_text()
