"""The release and autograde pipelines end to end on a made-up one-notebook assignment.

Fast enough to run on every change (about a minute and a half); the same pipelines on
the real assignments are exercised by test_course_cycle.py.
"""

import copy
import csv
import re

import nbformat
import pytest

from cs_utils.instructor.autograde import (REPORT_BEING_SAVED, autograde, report_from_file,
                                           write_report)
from cs_utils.instructor.release import build_release, find_leaks
from cs_utils.instructor.simulate import fill_in_solutions, plant_bug, start_from_release
from cs_utils.instructor.course import Course
from cs_utils.instructor.gradebook import check_integrity
from tests.instructor.toy import HIDDEN_DOUBLE, make_toy_assignment, zip_folder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("toycourse")
    assignment = make_toy_assignment(root / "source")
    release = build_release(target=root / "release", course_dir=root / "course",
                            assignments=[assignment], log=lambda *a: None)
    subs = root / "submissions"
    subs.mkdir()
    work = root / "students"

    def student(name):
        return start_from_release(release / "toy" / "toy", work / name)

    # The reference solutions: full marks although safe_log warns on log(0).
    alice = student("alice")
    fill_in_solutions(alice, assignment)
    zip_folder(alice, subs / "alice_toy_submission.zip")
    # The untouched release.
    zip_folder(student("bob"), subs / "bob.zip")
    # A typical bug in double(), a copied graded cell, a missing module, a stray file.
    carol = student("carol")
    fill_in_solutions(carol, assignment)
    plant_bug(carol, "tp/ops.py", "return 2 * x", "return x + 1")  # right on 1.0 only
    nb = nbformat.read(carol / "toy.ipynb", as_version=4)
    copied = copy.deepcopy(nb.cells[3])
    copied.source, copied.id = "print('my copy')", "copied01"
    nb.cells.append(copied)
    nbformat.write(nb, carol / "toy.ipynb")
    (carol / "tp" / "__init__.py").unlink()
    zip_folder(carol, subs / "carol.zip", extra={"notes.txt": "hello"})
    # Not a zip at all.
    (subs / "dave.zip").write_bytes(b"this is not a zip file")
    # A zip whose members try to escape, beside a valid reference notebook.
    erin = student("erin")
    fill_in_solutions(erin, assignment)
    zip_folder(erin, subs / "erin.zip", extra={"../../escaped.py": "print('x')",
                                               "/abs/escaped.py": "x"})
    # A notebook that is not JSON.
    frank = student("frank")
    fill_in_solutions(frank, assignment)
    (frank / "toy.ipynb").write_text("{ this is not json")
    zip_folder(frank, subs / "frank.zip")

    rows, reports, csv_path = autograde(assignment, subs, course_dir=root / "course",
                                        log=lambda *a: None)
    return {"root": root, "release": release, "assignment": assignment,
            "rows": {r.student: r for r in rows}, "reports": {r.student: r for r in reports},
            "csv": csv_path, "course": root / "course"}


def test_release_is_stubbed_and_leaks_nothing(graded):
    release = graded["release"]
    assert find_leaks(release) == []
    ops = (release / "toy" / "toy" / "tp" / "ops.py").read_text()
    assert "return np.log(x)" not in ops and "return 2 * x" not in ops
    assert 'raise NotImplementedError("double: write your code here (toy/tp/ops.py)")' in ops
    notebook = (release / "toy" / "toy" / "toy.ipynb").read_text()
    assert "21.5" not in notebook and "Because." not in notebook
    repository = release / "toy"
    assert not (repository / "cs_utils" / "instructor").exists()
    for name in ("README.md", "requirements.txt", "pyproject.toml", "collectSubmission.sh",
                 "cs_utils/__init__.py", "datasets/get_datasets.sh"):
        assert (repository / name).is_file(), name
    # The toy notebook imports nothing of cs_utils: its release carries only what
    # collectSubmission.sh and the student's nbgrader_config.py run.
    assert sorted(p.name for p in (repository / "cs_utils").iterdir()) == [
        "__init__.py", "_im2col_cython.pyx", "assignments.py", "collect_submission.py",
        "grading_settings.py"]


def test_reference_gets_full_marks_even_with_a_runtime_warning(graded):
    alice = graded["rows"]["alice"]
    assert (alice.score, alice.max_score) == (5, 5)
    assert graded["reports"]["alice"].problems == []


def test_untouched_release_gets_zero_without_crashing_the_run(graded):
    bob = graded["rows"]["bob"]
    assert bob.graded and bob.score == 0 and bob.max_score == 5


def test_bug_loses_exactly_its_points_and_copied_cells_are_reported(graded):
    carol = graded["rows"]["carol"]
    assert carol.score == 3  # test_double (2 points) fails, test_safe_log (3) passes
    problems = " ".join(graded["reports"]["carol"].problems)
    assert "test_double" in problems and "copied" in problems
    assert "missing tp/__init__.py" in problems


def test_broken_zips_are_reported_and_the_rest_is_graded(graded):
    assert not graded["rows"]["dave"].graded
    assert "not a readable zip" in graded["reports"]["dave"].problems[0]
    erin = graded["rows"]["erin"]
    assert erin.score == 5
    assert any("unsafe path" in p for p in graded["reports"]["erin"].problems)
    assert not list(graded["root"].rglob("escaped.py"))
    # The notebook is unreadable: its release copy grades frank's (correct) package.
    frank = graded["rows"]["frank"]
    assert frank.score == 5
    assert any("not a valid notebook" in p for p in graded["reports"]["frank"].problems)
    assert any("graded with the release's copy" in p
               for p in graded["reports"]["frank"].problems)
    assert check_integrity(f"sqlite:///{graded['course'] / 'gradebook.db'}") == []


def test_feedback_hides_hidden_tests(graded):
    feedback = graded["course"] / "feedback" / "carol" / "toy" / "toy.html"
    html = feedback.read_text()
    assert "21.5" not in html and "isneginf" not in html and "BEGIN HIDDEN" not in html
    assert "hidden tests ran here" in html
    assert HIDDEN_DOUBLE.split("'")[1] in html  # the failing assertion's message is kept


def test_grades_csv_and_reports(graded):
    with open(graded["csv"], newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {"alice", "bob", "carol", "dave", "erin", "frank"}
    assert rows["alice"]["autograded_score"] == "5" and rows["alice"]["toy"] == "5"
    assert rows["carol"]["autograded_score"] == "3"
    assert rows["dave"]["status"] == "not graded"
    assert rows["alice"]["manual_points_to_grade"] == "1"
    report = (graded["course"] / "reports" / "toy" / "carol.txt").read_text()
    assert "autograded: 3 / 5" in report and "copied" in report
    # Each notebook's line carries its score and how long its run took.
    assert re.search(r"^  toy: 3 / 5 autograded, 1 point to grade by hand \(ran \d+ s\)$",
                     report, re.MULTILINE), report


def test_a_later_run_keeps_the_whole_class_in_the_grade_table(graded, tmp_path):
    """Grading a late submission on its own must not drop the others from the CSV."""
    late = start_from_release(graded["release"] / "toy" / "toy", tmp_path / "gina")
    fill_in_solutions(late, graded["assignment"])
    folder = tmp_path / "late"
    folder.mkdir()
    zip_folder(late, folder / "gina.zip")
    rows, _, csv_path = autograde(graded["assignment"], folder, course_dir=graded["course"],
                                  log=lambda *a: None)
    assert [r.student for r in rows] == ["gina"] and rows[0].score == 5
    with open(csv_path, newline="") as handle:
        table = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(table) == {"alice", "bob", "carol", "dave", "erin", "frank", "gina"}
    assert table["carol"]["autograded_score"] == "3" and "copied" in table["carol"]["problems"]
    assert table["dave"]["status"] == "not graded"


def test_integrity_check_finds_broken_rows(graded, tmp_path):
    """The check can fail: a score above its maximum, a lost grade, a dangling row."""
    import shutil
    import sqlite3

    copy_path = tmp_path / "gradebook.db"
    shutil.copyfile(graded["course"] / "gradebook.db", copy_path)
    with sqlite3.connect(copy_path) as db:
        grade_id, = db.execute(
            "SELECT g.id FROM grade g JOIN base_cell c ON g.cell_id = c.id "
            "JOIN submitted_notebook n ON g.notebook_id = n.id "
            "JOIN submitted_assignment a ON n.assignment_id = a.id "
            "WHERE c.name = 'test_double' AND a.student_id = 'alice'").fetchone()
        db.execute("UPDATE grade SET auto_score = 99 WHERE id = ?", (grade_id,))
        db.execute("DELETE FROM grade WHERE id IN (SELECT g.id FROM grade g "
                   "JOIN base_cell c ON g.cell_id = c.id JOIN submitted_notebook n "
                   "ON g.notebook_id = n.id JOIN submitted_assignment a "
                   "ON n.assignment_id = a.id WHERE c.name = 'test_safe_log' "
                   "AND a.student_id = 'bob')")
        db.execute("INSERT INTO comment (id, notebook_id, cell_id) VALUES ('x', 'gone', 'gone')")
    problems = "\n".join(check_integrity(f"sqlite:///{copy_path}"))
    assert "alice/toy/toy: auto_score 99.0 of cell test_double is outside [0, 2]" in problems
    assert "bob/toy/toy: 0 grades for cell test_safe_log" in problems
    assert "1 comment rows without their notebook or cell" in problems


def test_a_report_left_half_saved_is_rewritten_by_the_next_run(graded):
    """A run killed between a student's commit and the final report leaves the report
    written just before the commit; the next run (all zips unchanged, nobody regraded)
    rewrites it from the gradebook and keeps its problems."""
    path = graded["course"] / "reports" / "toy" / "carol.txt"
    before = path.read_text()
    write_report(Course(graded["course"]), graded["assignment"], report_from_file(path), None)
    assert REPORT_BEING_SAVED in path.read_text()
    assert "autograded: 3 / 5" not in path.read_text()
    rows, reports, _ = autograde(graded["assignment"], graded["root"] / "submissions",
                                 course_dir=graded["course"], log=lambda *a: None)
    assert reports == []                      # everyone was skipped
    after = path.read_text()
    assert REPORT_BEING_SAVED not in after
    assert "autograded: 3 / 5" in after and "copied" in after
    # The same report as before, but for the notebook run times a killed run loses.
    assert re.sub(r" \(ran \d+ s\)", "", before) == after
