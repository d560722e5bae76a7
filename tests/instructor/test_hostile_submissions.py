"""Hostile and broken submissions in one class, graded in parallel in the sandbox.

Each student of the toy course starts from the reference solutions (5 autograded
points) and adds one kind of trouble: to its answer cell, which runs before the test
cells, or to the notebook file itself (missing, not JSON, its cell metadata dropped). Every one gets a report and the grade of what could be graded; the others are
graded normally; the gradebook passes the integrity check afterwards.
"""

import json
import os
import sqlite3

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from cs_utils.assignments import REPO_ROOT
from cs_utils.instructor.autograde import autograde
from cs_utils.instructor.gradebook import check_integrity
from cs_utils.instructor.release import build_release
from cs_utils.instructor.sandbox import Limits, detect_isolation
from cs_utils.instructor.simulate import fill_in_solutions, plant_bug, start_from_release
from tests.instructor.toy import edit_cell, make_toy_assignment, zip_folder

STRONG = ("bwrap+uid", "bwrap")
if detect_isolation() not in STRONG and not os.environ.get("CI"):
    pytest.skip(f"needs bubblewrap (isolation here: {detect_isolation()}); "
                f"apt-get install bubblewrap", allow_module_level=True)
pytestmark = pytest.mark.slow

SECRET = "s3cr3t-grader-token"
# The cell limit is above the notebook's so that the infinite loop meets the latter.
LIMITS = Limits(seconds_per_notebook=45, seconds_per_cell=60, memory_bytes=1536 * 1024 ** 2,
                file_bytes=64 * 1024 ** 2, processes=64, output_chars=100_000)
MARKER = "/tmp/cs-autograde-escape-marker"

PROBE_READS = """
import os
for path in {paths!r}:
    try:
        with open(path, 'rb') as handle:
            print('READ', path, len(handle.read()))
    except OSError as exc:
        print('DENIED', path, type(exc).__name__)
leaked = [k for k, v in os.environ.items() if {secret!r} in v or k == 'COURSE_TEST_SECRET']
print('ENV LEAKED' if leaked else 'ENV CLEAN', len(os.environ))
"""

PROBE_WRITES = """
import os, shutil
def attempt(what, action):
    try:
        action()
        print('DONE', what)
    except OSError as exc:
        print('DENIED', what, type(exc).__name__)
attempt('own file', lambda: open('notes.txt', 'w').write('mine'))
attempt('own module rewrite', lambda: open('tp/__init__.py', 'a').write('# mine'))
attempt('tmp marker', lambda: open({marker!r}, 'w').write('x'))
for path in {paths!r}:
    attempt('remove ' + path, lambda: os.remove(path))
    attempt('rewrite ' + path, lambda: open(path, 'w').write('overwritten'))
attempt('rmtree submitted', lambda: shutil.rmtree({submitted!r}))
"""

FORK_LOOP = """
import os, time
children = 0
try:
    while children < 10000:
        if os.fork() == 0:
            time.sleep(120)
            os._exit(0)
        children += 1
except OSError as exc:
    print('fork refused after', children, 'children:', type(exc).__name__)
"""

KILL_PARENT = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"
NO_METADATA_ANSWER = "answer = 6 * 7  # edited in an editor that drops cell metadata"
NO_METADATA_WRITTEN = "Because the metadata went missing."

MEMORY_HOG = """
hog = []
for size in (10 ** 7, 10 ** 5, 10 ** 3):
    try:
        while True:
            hog.append(bytearray(size))
    except MemoryError:
        pass
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    assignment = make_toy_assignment(root / "source")
    course = root / "course"
    release = build_release(target=root / "release", course_dir=course,
                            assignments=[assignment], log=lambda *a: None)
    subs = root / "submissions"
    subs.mkdir()
    secrets = [str(course / "gradebook.db"), str(course / "source" / "toy" / "toy.ipynb"),
               str(course / "submitted" / "ref" / "toy" / "tp" / "ops.py"),
               str(root / "source" / "toy" / "tp" / "ops.py"),
               str(REPO_ROOT / "assignment1" / "a1" / "knn.py")]
    if os.geteuid() == 0:  # the notebook's own copy is closed to student code's uid
        secrets.append("/sandbox/in/toy.ipynb")
    answers = {
        "sysexit": "import sys\nsys.exit(3)",
        "osexit": "import os\nos._exit(1)",
        "infinite": "while True:\n    pass",
        "membomb": "import numpy as np\nbig = np.ones(10 ** 12)",
        "memhog": MEMORY_HOG,
        "forkbomb": FORK_LOOP,
        "printer": "print('x' * 5_000_000)",
        "snoop": PROBE_READS.format(paths=secrets, secret=SECRET),
        "vandal": PROBE_WRITES.format(paths=secrets[:4], marker=MARKER,
                                      submitted=str(course / "submitted")),
    }

    def reference(name):
        folder = start_from_release(release / "toy" / "toy", root / "students" / name)
        fill_in_solutions(folder, assignment)
        return folder

    broken = ["missing_nb", "not_json", "bad_notebook", "no_metadata", "killer", "empty"]
    for name in ["ref", "meta_removed", "meta_altered", "tampered", *broken, *answers]:
        folder = reference(name)
        if name in answers:
            edit_cell(folder, "answer_cell", source="answer = 42\n" + answers[name])
        elif name == "meta_removed":
            edit_cell(folder, "test_double", source="pass", nbgrader=None)
        elif name == "meta_altered":
            edit_cell(folder, "test_safe_log", points=100)
            edit_cell(folder, "test_double", grade=False, locked=False)
        elif name == "tampered":
            plant_bug(folder, "tp/ops.py", "return 2 * x", "return x + 1")
            edit_cell(folder, "test_double", source="pass  # nothing to see")
        elif name == "missing_nb":
            (folder / "toy.ipynb").unlink()
        elif name == "not_json":
            (folder / "toy.ipynb").write_text('{"cells": [')
        elif name == "bad_notebook":  # JSON, but not a notebook nbformat reads
            cells = json.loads((folder / "toy.ipynb").read_text())["cells"]
            (folder / "toy.ipynb").write_text(json.dumps({"cells": cells}))
        elif name == "no_metadata":  # an editor that drops cell metadata
            edit_cell(folder, "answer_cell", source=NO_METADATA_ANSWER)
            nb = nbformat.read(folder / "toy.ipynb", as_version=4)
            nb.cells[5].source = "Why?\n\n**Your answer:** " + NO_METADATA_WRITTEN
            for cell in nb.cells:
                cell.metadata.pop("nbgrader", None)
            nbformat.write(nb, folder / "toy.ipynb")
        elif name == "killer":  # a cell of its own after the first test cell
            nb = nbformat.read(folder / "toy.ipynb", as_version=4)
            nb.cells.insert(4, new_code_cell(KILL_PARENT))
            nbformat.write(nb, folder / "toy.ipynb")
        if name == "empty":
            (root / "nothing").mkdir()
            zip_folder(root / "nothing", subs / "empty.zip")
            continue
        zip_folder(folder, subs / f"{name}.zip")
    (subs / "notzip.zip").write_bytes(b"PK but not really a zip")

    os.environ["COURSE_TEST_SECRET"] = SECRET
    try:
        rows, reports, _ = autograde(assignment, subs, course_dir=course, workers=2,
                                     limits=LIMITS, log=lambda *a: None)
    finally:
        del os.environ["COURSE_TEST_SECRET"]
    return {"root": root, "course": course, "secrets": secrets,
            "rows": {r.student: r for r in rows},
            "problems": {r.student: " | ".join(r.problems) for r in reports}}


def autograded_cell(hostile, student, grade_id):
    path = hostile["course"] / "autograded" / student / "toy" / "toy.ipynb"
    cell, = [c for c in nbformat.read(path, as_version=4).cells
             if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return cell


def outputs(hostile, student, grade_id="answer_cell"):
    """The text of a graded cell's outputs in the student's autograded notebook."""
    path = hostile["course"] / "autograded" / student / "toy" / "toy.ipynb"
    nb = json.loads(path.read_text())
    cell, = [c for c in nb["cells"]
             if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id]
    def text(value):
        return "".join(value) if isinstance(value, list) else value

    return "".join(text(o.get("text", "")) + o.get("ename", "") + ": " + o.get("evalue", "")
                   for o in cell["outputs"])


def score(hostile, student):
    row = hostile["rows"][student]
    return row.score if row.graded else None


def test_the_class_is_graded_and_the_gradebook_is_sound(hostile):
    assert score(hostile, "ref") == 5 and hostile["problems"]["ref"] == ""
    assert check_integrity(f"sqlite:///{hostile['course'] / 'gradebook.db'}") == []
    with sqlite3.connect(hostile["course"] / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_broken_zips_and_missing_notebooks(hostile):
    assert score(hostile, "notzip") is None
    assert "not a readable zip" in hostile["problems"]["notzip"]
    # The release's copy of the notebook grades the student's package: the test cells
    # pass, the answer cell is the release's stub.
    assert score(hostile, "missing_nb") == 5
    assert "missing toy.ipynb" in hostile["problems"]["missing_nb"]
    assert "graded with the release's copy" in hostile["problems"]["missing_nb"]
    assert "answer = 42" not in autograded_cell(hostile, "missing_nb", "answer_cell").source
    assert score(hostile, "not_json") == 5
    assert "not a valid notebook (NotJSONError) and none of its cells could be read" in \
        hostile["problems"]["not_json"]
    assert "graded with the release's copy" in hostile["problems"]["not_json"]


def test_cells_are_recovered_from_a_file_nbformat_cannot_read(hostile):
    assert score(hostile, "bad_notebook") == 5
    assert "its 6 cells were read from it as they are" in hostile["problems"]["bad_notebook"]
    assert "answer = 42" in autograded_cell(hostile, "bad_notebook", "answer_cell").source


def test_cells_that_lost_their_metadata_are_found_by_content(hostile):
    assert score(hostile, "no_metadata") == 5
    assert "4 of 4 graded cells had lost their nbgrader metadata" in \
        hostile["problems"]["no_metadata"]
    assert autograded_cell(hostile, "no_metadata", "answer_cell").source == NO_METADATA_ANSWER
    assert NO_METADATA_WRITTEN in autograded_cell(hostile, "no_metadata",
                                                  "inline_question").source


def test_empty_zip_is_reported_in_plain_words(hostile):
    assert score(hostile, "empty") is None
    report = (hostile["course"] / "reports" / "toy" / "empty.txt").read_text()
    assert "none of the assignment's files" in report and "isolation: not run" in report
    assert not (hostile["course"] / "feedback" / "empty").exists()


def test_no_report_holds_a_traceback_or_a_grader_path(hostile):
    for report in (hostile["course"] / "reports" / "toy").glob("*.txt"):
        text = report.read_text()
        assert "Traceback" not in text and str(hostile["root"]) not in text, report.name
        assert "site-packages" not in text and "HIDDEN" not in text, report.name


def test_metadata_and_test_cells_are_restored_from_the_release(hostile):
    assert score(hostile, "meta_removed") == 5
    assert "found again by their place and content: test_double" in \
        hostile["problems"]["meta_removed"]
    assert "test_double was changed" in hostile["problems"]["meta_removed"]
    assert score(hostile, "meta_altered") == 5  # points 100 -> 3, test_double graded again
    assert "test_double: nbgrader metadata was changed" in hostile["problems"]["meta_altered"]
    assert score(hostile, "tampered") == 3  # the restored test_double catches the bug
    assert "test_double was changed" in hostile["problems"]["tampered"]


def test_time_limit_gives_zero_to_cells_that_did_not_run(hostile):
    assert score(hostile, "infinite") == 0
    assert "time limit (45 s) was reached during cell 3 (answer_cell)" in \
        hostile["problems"]["infinite"]
    assert "NotRun" in outputs(hostile, "infinite", "test_safe_log")


def test_memory_limit(hostile):
    assert score(hostile, "membomb") == 5  # the allocation fails, the tests still run
    assert "ran out of memory" in hostile["problems"]["membomb"]
    # A kernel left without memory passes no test by accident.
    assert score(hostile, "memhog") == 0
    for grade_id in ("test_double", "test_safe_log"):
        assert outputs(hostile, "memhog", grade_id).strip()


def test_exit_and_dead_kernel(hostile):
    assert score(hostile, "sysexit") == 5  # IPython turns sys.exit into an error
    assert "cell 3 (answer_cell) called sys.exit()" in hostile["problems"]["sysexit"]
    assert score(hostile, "osexit") == 0
    assert "kernel died" in hostile["problems"]["osexit"]
    assert "HIDDEN" not in hostile["problems"]["memhog"]  # no cell source in reports
    assert "NotRun" in outputs(hostile, "osexit", "test_double")


def test_killing_the_grading_process_keeps_the_cells_before_it(hostile):
    assert score(hostile, "killer") == 2  # test_double ran before the kill
    assert "cell 5 killed the process that runs the notebook" in hostile["problems"]["killer"]
    assert "No such file" not in hostile["problems"]["killer"]
    assert "NotRun" in outputs(hostile, "killer", "test_safe_log")


def test_fork_loop_is_bounded(hostile):
    text = outputs(hostile, "forkbomb")
    assert "fork refused after" in text
    children = int(text.split("fork refused after")[1].split()[0])
    assert children < LIMITS.processes
    assert score(hostile, "forkbomb") == 5


def test_printed_megabytes_are_cut(hostile):
    assert score(hostile, "printer") == 5
    assert "cut at 100000 characters" in hostile["problems"]["printer"]
    assert len(outputs(hostile, "printer")) < 2 * LIMITS.output_chars


def test_student_code_reads_no_secret(hostile):
    text = outputs(hostile, "snoop")
    assert "READ" not in text
    for path in hostile["secrets"]:
        assert f"DENIED {path}" in text
    assert "ENV CLEAN" in text
    assert score(hostile, "snoop") == 5


def test_student_code_writes_only_its_own_folder(hostile):
    text = outputs(hostile, "vandal")
    assert "DONE own file" in text and "DONE own module rewrite" in text
    for path in hostile["secrets"][:4]:
        assert f"DENIED remove {path}" in text and f"DENIED rewrite {path}" in text
        assert os.path.getsize(path) > 0 and "overwritten" not in open(path, "rb").read(
            200).decode(errors="replace")
    assert "DENIED rmtree submitted" in text
    assert not os.path.exists(MARKER)  # its /tmp is its own
    assert score(hostile, "vandal") == 5
    assert (hostile["course"] / "submitted" / "ref" / "toy" / "toy.ipynb").exists()


def test_isolation_mode_is_reported(hostile):
    report = (hostile["course"] / "reports" / "toy" / "ref.txt").read_text()
    assert f"isolation: {detect_isolation()}" in report
