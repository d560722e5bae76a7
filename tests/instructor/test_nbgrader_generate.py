"""nbgrader's own ways of making a student version strip the packages as `make release` does.

In a toy course folder made by ``Course.prepare``: ``nbgrader generate_assignment`` on
the command line and formgrader's Generate button (its HTTP endpoint on a local
server) leave no marker and no solution line in ``release/**.py``; a hand-in missing a
module is then graded with the stub (zero for that module's cells, as the untouched
release); nbgrader's exchange refuses to publish an unstripped ``release/`` folder; and
the hook fails closed when stripping breaks half-way.
"""

import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from cs_utils.instructor.autograde import autograde
from cs_utils.instructor.course import Course
from cs_utils.instructor.nbgrader_hooks import finish_student_version
from cs_utils.instructor.release import LeakError, generate_assignment
from cs_utils.instructor.simulate import fill_in_solutions, start_from_release
from cs_utils.instructor.strip import (MARKERS, python_files, solution_lines, strip_source,
                                       unstripped_files)
from tests.instructor.toy import OPS, make_toy_assignment, zip_folder

SERVER_START_SECONDS = 120


def toy_course(root):
    """A course folder made by Course.prepare with the toy assignment in source/."""
    assignment = make_toy_assignment(root / "instructor")
    course = Course(root / "course").prepare([assignment])
    course.copy_source(assignment)
    return course, assignment


def assert_stripped_like_make_release(course):
    """Every .py file of release/ is its source file as strip_file makes it: the same
    stubs and display names, no marker, no solution line."""
    release, source = course.path("release"), course.path("source")
    files = python_files(release)
    assert [p.relative_to(release).as_posix() for p in files] == [
        "toy/tp/__init__.py", "toy/tp/ops.py"]
    for path in files:
        relative = path.relative_to(release).as_posix()
        text, original = path.read_text(), (source / relative).read_text()
        assert [m for m in MARKERS if m in text] == [], relative
        assert {line.strip() for line in text.splitlines()} & solution_lines(original) \
            == set(), relative
        expected = strip_source(original, relative) if "### BEGIN" in original else original
        assert text == expected, relative
    assert 'raise NotImplementedError("double: write your code here (toy/tp/ops.py)")' \
        in (release / "toy" / "tp" / "ops.py").read_text()


def grade_handins(course, assignment, root):
    """Autograde, in ``course``, 'maria' (the reference solutions without tp/ops.py) and
    'ursula' (the release untouched); return (rows, reports) by student."""
    release, zips = course.path("release", assignment.name), root / "zips"
    zips.mkdir()
    maria = start_from_release(release, root / "students" / "maria")
    fill_in_solutions(maria, assignment)
    (maria / "tp" / "ops.py").unlink()
    zip_folder(maria, zips / "maria.zip")
    zip_folder(start_from_release(release, root / "students" / "ursula"), zips / "ursula.zip")
    rows, reports, _ = autograde(assignment, zips, course_dir=course.root, log=lambda *a: None)
    return {r.student: r for r in rows}, {r.student: r for r in reports}


def assert_graded_with_the_stub(rows, reports):
    ursula, maria = rows["ursula"], rows["maria"]
    assert ursula.graded and (ursula.score, ursula.max_score) == (0, 5)
    # Both toy test cells import tp.ops: with the stub they score nothing.
    assert maria.graded and (maria.score, maria.max_score) == (0, 5)
    problems = reports["maria"].problems
    assert "missing tp/ops.py: graded with the unchanged stub" in problems
    # The release's own copy was clean: autograde did not have to rebuild it.
    assert not any("made from the instructor source" in p for p in problems), problems


@pytest.fixture(scope="module")
def cli_course(tmp_path_factory):
    """A toy course after `nbgrader generate_assignment toy` on the command line."""
    root = tmp_path_factory.mktemp("cli")
    course, assignment = toy_course(root)
    course.nbgrader("generate_assignment", "toy", "--force", "--log-level=WARN")
    return root, course, assignment


def test_cli_generate_assignment_strips_the_package(cli_course):
    _, course, _ = cli_course
    assert_stripped_like_make_release(course)


@pytest.mark.slow
def test_after_cli_generate_a_missing_module_is_graded_as_the_stub(cli_course):
    root, course, assignment = cli_course
    assert_graded_with_the_stub(*grade_handins(course, assignment, root))


def release_to_exchange(course, exchange):
    """`nbgrader release_assignment toy` into ``exchange``; the CompletedProcess."""
    return course.nbgrader("release_assignment", "toy", "--force",
                           f"--Exchange.root={exchange}", check=False)


def outbound(course, exchange):
    return Path(exchange) / course.config().CourseDirectory.course_id / "outbound" / "toy"


def test_exchange_releases_a_stripped_folder(cli_course, tmp_path):
    _, course, _ = cli_course
    proc = release_to_exchange(course, tmp_path / "exchange")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    published = outbound(course, tmp_path / "exchange")
    assert unstripped_files(published, course.path("source", "toy")) == []
    assert (published / "tp" / "ops.py").read_text() == \
        course.path("release", "toy", "tp", "ops.py").read_text()


def test_exchange_refuses_an_unstripped_folder(cli_course, tmp_path):
    """A release/ folder as nbgrader makes it without the hook: the source .py copied."""
    _, course, _ = cli_course
    shutil.copytree(course.root, tmp_path / "course")
    copy = Course(tmp_path / "course")
    shutil.copyfile(copy.path("source", "toy", "tp", "ops.py"),
                    copy.path("release", "toy", "tp", "ops.py"))
    proc = release_to_exchange(copy, tmp_path / "exchange")
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "Refusing to release toy" in output
    assert "tp/ops.py holds the marker '### BEGIN SOLUTION'" in output
    assert not outbound(copy, tmp_path / "exchange").exists()


def test_the_exchange_check_also_sees_unmarked_solutions_and_missing_stubs(tmp_path):
    """What CheckedReleaseAssignment refuses besides markers (checked without nbgrader)."""
    source, release = tmp_path / "source", tmp_path / "release"
    (source / "tp").mkdir(parents=True)
    (source / "tp" / "ops.py").write_text(OPS)
    (release / "tp").mkdir(parents=True)
    (release / "tp" / "ops.py").write_text(strip_source(OPS, "toy/tp/ops.py"))
    assert unstripped_files(release, source) == []
    (release / "tp" / "ops.py").write_text(strip_source(OPS) + "    return np.log(x)\n")
    assert unstripped_files(release, source) == [
        ("tp/ops.py", "holds 1 line(s) of the reference solution")]
    (release / "tp" / "ops.py").unlink()
    assert unstripped_files(release, source) == [
        ("tp/ops.py", "is missing from the student version")]


def released_layout(root):
    """source/toy and release/toy as nbgrader leaves them just before the post-convert
    hook (every file copied, the notebook converted), with a second module."""
    make_toy_assignment(root / "source")
    source = root / "source" / "toy"
    (source / "tp" / "more.py").write_text(OPS.replace("double", "triple"))
    shutil.copytree(source, root / "release" / "toy")
    return source, root / "release" / "toy"


def test_the_hook_fails_closed_when_writing_a_stub_fails(tmp_path, monkeypatch, caplog):
    source, release = released_layout(tmp_path)
    real_replace, replaced = os.replace, []

    def replace_then_fail(src, dst):
        replaced.append(Path(dst).name)
        if len(replaced) == 2:
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_then_fail)
    with caplog.at_level(logging.ERROR), pytest.raises(OSError, match="disk full"):
        finish_student_version(assignment="toy", student=".",
                               notebooks=[str(source / "toy.ipynb")])
    assert replaced == ["more.py", "ops.py"]
    # more.py was stripped and stays; ops.py, still unstripped, is gone; no temp file.
    assert sorted(p.name for p in (release / "tp").iterdir()) == ["__init__.py", "more.py"]
    assert unstripped_files(release, source) == [
        ("tp/ops.py", "is missing from the student version")]
    error, = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert "STUDENT VERSION OF toy IS INCOMPLETE" in error and "tp/ops.py" in error


def test_a_failing_hook_leaves_no_solution_in_release(tmp_path):
    """A module nbgrader copies but strip_source rejects (a region never closed): nbgrader
    itself only logs the hook's failure, the release keeps no unstripped file, and the
    course's generate_assignment (make release) refuses the result."""
    course, assignment = toy_course(tmp_path)
    (assignment.folder / "tp" / "broken.py").write_text(
        "def half(x):\n    ### BEGIN SOLUTION\n    return x / 2\n")
    with pytest.raises(LeakError) as raised:
        generate_assignment(course, assignment)
    message = str(raised.value)
    assert "toy/tp/broken.py is missing from the student version" in message
    assert "STUDENT VERSION OF toy IS INCOMPLETE" in message  # nbgrader's log, our error
    # broken.py failed; ops.py was not stripped yet when it did: both are removed.
    release = course.path("release", "toy")
    assert [p.name for p in python_files(release)] == ["__init__.py"]
    assert unstripped_files(release, course.path("source", "toy")) == [
        ("tp/broken.py", "is missing from the student version"),
        ("tp/ops.py", "is missing from the student version")]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(url, token, method="GET", timeout=30):
    """JSON of an authenticated request to the local server."""
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None,
                                 headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=timeout) as response:
        return json.loads(response.read())


@contextmanager
def jupyter_server(course, tmp_path):
    """A Jupyter server (with nbgrader's server extensions) in the course folder, on
    127.0.0.1 with a random token; yields (base URL, token), stops it at the end."""
    port, token = free_port(), secrets.token_hex(24)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"))
    env.pop("NBGRADER_EXECUTION", None)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "server", "--ip=127.0.0.1", f"--port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
         "--ServerApp.open_browser=False", "--ServerApp.allow_root=True",
         f"--ServerApp.root_dir={course.root}"],
        cwd=course.root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            try:
                request(f"{base}/api/status", token, timeout=5)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("the Jupyter server did not start:\n"
                                         + (tmp_path / "server.log").read_text()[-3000:])
                time.sleep(0.5)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.mark.slow
def test_formgrader_generate_strips_the_package_and_grading_uses_the_stub(tmp_path):
    course, assignment = toy_course(tmp_path)
    with jupyter_server(course, tmp_path) as (base, token):
        # What formgrader's Generate button posts (nbgrader's AssignHandler).
        result = request(f"{base}/formgrader/api/assignment/toy/assign", token,
                         method="POST", timeout=300)
    assert result["success"], result
    assert_stripped_like_make_release(course)
    assert "Stripped the solutions of 1 .py file(s) of toy" in result["log"]
    assert_graded_with_the_stub(*grade_handins(course, assignment, tmp_path))
