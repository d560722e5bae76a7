"""The whole course cycle on the real assignments: the same run as ``make demo``.

Builds the release, checks that nothing of a solution or a hidden test survives in
it, lets three simulated students hand in (reference, untouched, planted bug),
autogrades them and checks the grades, the feedback and a student's own validation.
"""

import csv
import html
import re
import subprocess
import sys

import nbformat
import pytest

from cs_utils.assignments import ASSIGNMENTS
from cs_utils.instructor.demo import PLANTED_BUGS, run_demo
from cs_utils.instructor.strip import ANSWERS_CELL_STUB, MARKERS, split_regions

pytestmark = pytest.mark.slow

# Lines that are both inside a region and ordinary enough to appear elsewhere.
MIN_SECRET_LENGTH = 12
# Imports and bare loop headers tell nothing of a solution ("for n in range(N):").
UNTELLING = re.compile(r"^(import \S|from \S+ import |for \w+ in range\(\w+\):$)")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    messages = []
    status = run_demo(out=out, log=lambda *parts: messages.append(" ".join(map(str, parts))))
    return {"out": out, "status": status, "log": "\n".join(messages)}


def source_texts(assignment):
    """(path, text) of every file of the instructor source that holds regions."""
    for path in sorted(assignment.folder.rglob("*")):
        if path.suffix == ".py" and "__pycache__" not in path.parts:
            yield path, path.read_text()
        elif path.suffix == ".ipynb" and ".ipynb_checkpoints" not in path.parts:
            nb = nbformat.read(path, as_version=4)
            yield path, "\n".join(cell.source for cell in nb.cells)


def secret_lines(assignment):
    """Lines of solutions and hidden tests that appear nowhere public: not outside the
    regions of any assignment's source (a line one assignment provides, another may
    ask for). The shared code does not count as public: what it ships is checked here
    like everything else."""
    secrets, public = set(), set()
    for _, text in source_texts(assignment):
        secrets.update(split_regions(text)[0])
    for other in ASSIGNMENTS.values():
        for _, text in source_texts(other):
            public.update(split_regions(text)[1])
    return {line for line in secrets - public
            if len(line) >= MIN_SECRET_LENGTH and not UNTELLING.match(line)}


def receivers(name):
    """The assignments whose students must not see the solutions of ``name``: it and
    every earlier one."""
    names = sorted(ASSIGNMENTS)
    return names[:names.index(name) + 1]


def release_texts(release):
    for path in sorted(release.rglob("*")):
        if path.is_file():
            try:
                yield path, path.read_text()
            except UnicodeDecodeError:
                continue


def test_demo_reports_the_expected_outcomes(demo):
    assert demo["status"] == 0, demo["log"]
    assert "UNEXPECTED" not in demo["log"]


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_release_leaks_no_solution_and_no_hidden_test(demo, name):
    secrets = secret_lines(ASSIGNMENTS[name])
    assert len(secrets) > 100  # the scan has something to look for
    leaks = []
    for path, text in (item for receiver in receivers(name)
                       for item in release_texts(demo["out"] / "release" / receiver)):
        leaks += [(path.name, m) for m in MARKERS if m in text]
        present = {line.strip() for line in text.splitlines()}
        leaks += [(path.name, line) for line in secrets & present]
    assert leaks == []


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_release_is_a_complete_student_repository(demo, name):
    release = demo["out"] / "release" / name
    assignment = ASSIGNMENTS[name]
    for relative in assignment.required_files:
        assert (release / name / relative).is_file(), relative
    for relative in ("README.md", "requirements.txt", "pyproject.toml", "collectSubmission.sh",
                     "datasets/get_datasets.sh", "cs_utils/data.py", "cs_utils/solver.py"):
        assert (release / relative).is_file(), relative
    assert not (release / "cs_utils" / "instructor").exists()
    # Only the shared code this assignment needs: Adam, provided from Assignment 3 on
    # and graded in Assignment 2, ships with Assignment 3 alone.
    assert (release / "cs_utils" / "optim.py").exists() == (name == "assignment3")
    assert not any((release / other).exists() for other in ASSIGNMENTS if other != name)
    assert not (release / "tests").exists()
    # The student's nbgrader settings: the grader's verdict settings, nothing of the
    # instructor's (the tooling is not there to import).
    config = (release / "nbgrader_config.py").read_text()
    assert "apply_grading_settings(c)" in config and "instructor" not in config
    # The stubs import and raise a helpful NotImplementedError.
    probe = (f"import {assignment.package}, pkgutil, importlib\n"
             f"for m in pkgutil.iter_modules({assignment.package}.__path__):\n"
             f"    importlib.import_module('{assignment.package}.' + m.name)\n"
             f"print('ok')")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=release / name,
                          capture_output=True, text=True)
    assert proc.stdout.strip() == "ok", proc.stderr
    # Concept-check answer cells run as released: blank answers, no raising stub.
    for notebook in assignment.notebook_files:
        cells = nbformat.read(release / name / notebook, as_version=4).cells
        answers = [c for c in cells if c.metadata.get("nbgrader", {})
                   .get("grade_id", "").endswith("_answers")]
        assert len(answers) == 1, notebook
        namespace = {}
        exec(answers[0].source, namespace)
        assert ANSWERS_CELL_STUB in answers[0].source, notebook
        assert all(v in (None, "") for key in ("tf_answers", "ms_answers", "num_answers")
                   for v in namespace[key].values()), notebook


def grade_rows(demo, name):
    with open(demo["out"] / "course" / "grades" / f"{name}.csv", newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_grades(demo, name):
    rows = grade_rows(demo, name)
    assignment = ASSIGNMENTS[name]
    reference, untouched, buggy = rows["reference"], rows["untouched"], rows["planted_bug"]
    assert float(reference["autograded_score"]) == float(reference["autograded_max"]) > 0
    assert float(untouched["autograded_score"]) == 0
    assert float(untouched["autograded_max"]) == float(reference["autograded_max"])
    bug_file = PLANTED_BUGS[name][0]
    assert bug_file.startswith(assignment.package + "/")
    # The bug costs points in some notebooks and none in others.
    lost = [nb for nb in assignment.notebooks if float(buggy[nb]) < float(reference[nb])]
    kept = [nb for nb in assignment.notebooks if float(buggy[nb]) == float(reference[nb])]
    assert lost and kept
    # Written answers nobody has read yet keep a submission "to be graded by hand";
    # answers left as released are scored 0 by nbgrader and need nobody.
    for row in rows.values():
        pending = float(row["manual_points_to_grade"])
        assert row["status"] == ("to be graded by hand" if pending else "graded"), row
    assert float(untouched["manual_points_to_grade"]) == 0


def test_planted_svm_bug_costs_only_svm_dependent_points(demo):
    rows = grade_rows(demo, "assignment1")
    buggy, reference = rows["planted_bug"], rows["reference"]
    for notebook in ("knn", "softmax", "two_layer_net"):
        assert buggy[notebook] == reference[notebook], notebook
    assert float(buggy["svm"]) < float(reference["svm"])


def visible_text(html_text):
    """What a reader of the feedback page sees: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text))


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_feedback_exists_and_hides_hidden_tests(demo, name):
    course = demo["out"] / "course"
    hidden, visible = set(), set()
    for path in ASSIGNMENTS[name].folder.glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            inside, outside = split_regions(cell.source)
            if "### BEGIN HIDDEN TESTS" in cell.source:
                hidden.update(line for line in inside if len(line) >= MIN_SECRET_LENGTH)
            visible.update(line for line in outside if len(line) >= MIN_SECRET_LENGTH)
    hidden -= visible
    assert hidden and visible
    for student in ("reference", "untouched", "planted_bug"):
        for notebook in ASSIGNMENTS[name].notebooks:
            page = (course / "feedback" / student / name / f"{notebook}.html").read_text()
            text = visible_text(page)
            assert "hidden tests ran here" in text
            lines = {line.strip() for line in text.splitlines()}
            assert hidden & lines == set()
            if student == "reference":  # the check can see code at all
                assert visible & lines


@pytest.mark.parametrize("student, succeeds", [("reference", True), ("untouched", False)])
def test_students_can_validate_their_notebooks(demo, student, succeeds):
    """What the student README says to run before handing in: nbgrader validate."""
    folder = demo["out"] / "students" / "assignment1" / student / "assignment1"
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "validate", "knn.ipynb"],
                          cwd=folder, capture_output=True, text=True, timeout=900)
    output = proc.stdout + proc.stderr
    if succeeds:
        assert "Success! Your notebook passes all the tests." in output, output[-3000:]
    else:
        assert "VALIDATION FAILED" in output and "NotImplementedError" in output, output[-3000:]
