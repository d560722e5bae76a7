"""The grading round trip after autograde: hand grading, final feedback, grade tables.

Hand grades are written the way formgrader's API handlers write them (nbgrader's
Gradebook: a grade's manual_score and needs_manual_grade, a comment's
manual_comment), then ``feedback`` and ``grades`` must show them. The toy course
(tests/instructor/toy.py) has 5 autograded points and one written answer worth 1.
"""

import csv
import shutil

import pytest
from nbgrader.api import Gradebook

from cs_utils.instructor.__main__ import main
from cs_utils.instructor.autograde import autograde
from cs_utils.instructor.course import Course
from cs_utils.instructor.hand_back import (CANVAS_STUDENT_COLUMNS, RosterError, final_feedback,
                                           grade_tables, match_roster, read_roster)
from cs_utils.instructor.release import build_release
from cs_utils.instructor.simulate import fill_in_solutions, plant_bug, start_from_release
from tests.instructor.toy import HIDDEN_DOUBLE, make_toy_assignment, zip_folder

pytestmark = pytest.mark.slow
COMMENT = "Right idea; say which term dominates."


@pytest.fixture(scope="module")
def autograded(tmp_path_factory):
    """A toy course after autograde: alice (reference), bob (untouched), carol (a bug)."""
    root = tmp_path_factory.mktemp("handback")
    assignment = make_toy_assignment(root / "source")
    release = build_release(target=root / "release", course_dir=root / "course",
                            assignments=[assignment], log=lambda *a: None)
    subs = root / "submissions"
    subs.mkdir()
    for name in ("alice", "bob", "carol"):
        work = start_from_release(release / "toy" / "toy", root / "students" / name)
        if name != "bob":
            fill_in_solutions(work, assignment)
        if name == "carol":
            plant_bug(work, "tp/ops.py", "return 2 * x", "return x + 1")
        zip_folder(work, subs / f"{name}.zip")
    autograde(assignment, subs, course_dir=root / "course", log=lambda *a: None)
    return {"root": root, "assignment": assignment, "course": root / "course"}


@pytest.fixture
def toy(autograded):
    return autograded["assignment"]


@pytest.fixture
def course(autograded, tmp_path):
    """A copy of the autograded course folder for one test to change."""
    target = tmp_path / "course"
    shutil.copytree(autograded["course"], target)
    return target


def table(path):
    with open(path, newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def feedback_html(course, student):
    return (course / "feedback" / student / "toy" / "toy.html").read_text()


def grade_by_hand(course, student, score, comment=None):
    """What formgrader's PUT /formgrader/api/grade/<id> and /api/comment/<id> do."""
    with Gradebook(Course(course).db_url) as gradebook:
        grade = gradebook.find_grade("inline_question", "toy", "toy", student)
        grade.manual_score = score
        grade.needs_manual_grade = grade.manual_score is None and grade.auto_score is None
        if comment is not None:
            gradebook.find_comment("inline_question", "toy", "toy", student).manual_comment = comment
        gradebook.db.commit()


def test_before_hand_grading_written_answers_are_pending_not_zero(course):
    rows = table(course / "grades" / "toy.csv")
    alice, bob, carol = rows["alice"], rows["bob"], rows["carol"]
    assert (alice["autograded_score"], alice["autograded_max"]) == ("5", "5")
    assert (alice["manual_points_to_grade"], alice["manual_score"], alice["total_score"],
            alice["total_max"]) == ("1", "0", "5", "6")
    assert alice["status"] == "to be graded by hand"
    # bob left the answer as released: nbgrader scored it 0, nobody needs to read it.
    assert (bob["manual_points_to_grade"], bob["status"]) == ("0", "graded")
    assert carol["total_score"] == "3"
    html = feedback_html(course, "alice")
    assert "To be graded by hand (1 point)" in html
    assert "toy (Score: 5.0 / 5.0)" in html  # out of the points graded so far
    assert "Written answers worth 1 point are still to be graded by hand" in html
    assert "Score: 0.0 / 1.0" not in html
    report = (course / "reports" / "toy" / "alice.txt").read_text()
    assert "points left to grade by hand: 1" in report and "total: 5 / 6 (not final" in report


def test_hand_grades_reach_feedback_reports_and_table(course, toy):
    grade_by_hand(course, "alice", 0.5, COMMENT)
    grade_by_hand(course, "carol", 1)
    result = final_feedback(toy, course_dir=course,
                            log=lambda *a: None)
    assert sorted(result.written) == ["alice", "bob", "carol"] and not result.failed
    rows = table(result.csv_path)
    assert (rows["alice"]["manual_score"], rows["alice"]["manual_points_to_grade"],
            rows["alice"]["total_score"], rows["alice"]["status"]) == ("0.5", "0", "5.5", "graded")
    assert (rows["carol"]["autograded_score"], rows["carol"]["total_score"]) == ("3", "4")
    assert rows["alice"]["toy"] == "5.5"
    html = feedback_html(course, "alice")
    assert "toy (Score: 5.5 / 6.0)" in html and COMMENT in html
    assert "To be graded by hand" not in html and "still to be graded" not in html
    assert "Score: 0.5 / 1.0" in html
    report = (course / "reports" / "toy" / "alice.txt").read_text()
    assert "graded by hand: 0.5 / 1" in report and "total: 5.5 / 6\n" in report
    assert "points left to grade by hand: 0" in report
    # The report keeps each notebook's run time from autograde.
    assert "(ran " in report
    # Nothing a student gets shows a hidden test.
    for student in ("alice", "bob", "carol"):
        text = feedback_html(course, student) + \
            (course / "reports" / "toy" / f"{student}.txt").read_text()
        assert "21.5" not in text and "isneginf" not in text and "BEGIN HIDDEN" not in text
    assert HIDDEN_DOUBLE.split("'")[1] in feedback_html(course, "carol")


def test_nbgrader_export_agrees_with_the_table(course, toy):
    """nbgrader's own export still works on the gradebook, in its documented columns."""
    grade_by_hand(course, "alice", 1)
    out = course / "export.csv"
    Course(course).nbgrader("export", "--to", str(out))
    with open(out, newline="") as handle:
        reader = csv.DictReader(handle)
        exported = {row["student_id"]: row for row in reader}
        header = reader.fieldnames
    assert header == ["assignment", "duedate", "timestamp", "student_id", "last_name",
                      "first_name", "email", "raw_score", "late_submission_penalty", "score",
                      "max_score"]
    csv_path, _ = grade_tables(toy, course_dir=course, log=lambda *a: None)
    ours = table(csv_path)
    for student in ("alice", "bob", "carol"):
        assert float(exported[student]["score"]) == float(ours[student]["total_score"])
        assert float(exported[student]["max_score"]) == float(ours[student]["total_max"]) == 6
    assert float(exported["alice"]["score"]) == 6


def test_canvas_file_in_the_documented_columns(course, toy, tmp_path):
    grade_by_hand(course, "alice", 1)
    roster = tmp_path / "canvas_export.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,toy (4711),Quiz 1 (12)\n"
        "    Points Possible,,,,,6,10\n"
        '"Liddell, Alice",101,S001,ALICE,Sec 1,,9\n'
        '"Brown, Bob",102,S002,bob,Sec 2,,8\n'
        '"Student, Test",999,,test,Sec 1,,\n')
    out = tmp_path / "canvas.csv"
    _, written = grade_tables(toy, course_dir=course, canvas=out, roster=roster,
                              log=lambda *a: None)
    with open(written, newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == [*CANVAS_STUDENT_COLUMNS, "toy (4711)"]
    assert lines[1] == ["Points Possible", "", "", "", "", "6"]
    assert lines[2:] == [["Liddell, Alice", "101", "S001", "ALICE", "Sec 1", "6"],
                         ["Brown, Bob", "102", "S002", "bob", "Sec 2", "0"]]  # carol: no row
    # Without a roster: the student id is the SIS login, Canvas makes a new column.
    grade_tables(toy, course_dir=course, canvas=out, log=lambda *a: None)
    with open(out, newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0][-1] == "toy" and ["carol", "", "", "carol", "", "3"] in lines


def test_roster_that_is_not_a_canvas_export_is_refused(tmp_path):
    bad = tmp_path / "roster.csv"
    bad.write_text("name,email\nAlice,a@x\n")
    with pytest.raises(RosterError, match="not a Canvas gradebook export"):
        read_roster(bad)


def test_roster_matching_by_login_user_id_or_canvas_id():
    from cs_utils.instructor.hand_back import CanvasStudent
    roster = [CanvasStudent("A", "1", "S1", "alice"), CanvasStudent("B", "2", "S2", ""),
              CanvasStudent("C", "3", "", "")]
    matches, unmatched = match_roster(["ALICE", "s2", "3", "zed"], roster)
    assert {k: v.student for k, v in matches.items()} == {"ALICE": "A", "s2": "B", "3": "C"}
    assert unmatched == ["zed"]


def test_feedback_command_line_exit_status(course, toy, capsys):
    """The command exists; a student the gradebook does not know is said, not fatal."""
    from unittest import mock
    with mock.patch("cs_utils.instructor.hand_back.get_assignment", return_value=toy):
        assert main(["feedback", "toy", "--course", str(course), "--student", "alice",
                     "--student", "nobody"]) == 0
    out = capsys.readouterr().out
    assert "alice: feedback written" in out and "nobody: no feedback" in out
