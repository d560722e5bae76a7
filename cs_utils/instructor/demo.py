"""``make demo``: the whole course cycle on the generated data, no download needed.

1. build the student release;
2. three simulated students start from it: one fills in the reference solutions, one
   hands the release in untouched, one fills in the solutions with a typical bug;
3. each makes a zip with the students' own ``collectSubmission`` code;
4. autograde the zips, write feedback and the grade table.

Everything goes to ``demo/`` (or ``--out``); the repository's ``grading/`` and
``release/`` are left alone.
"""

import shutil
import time
from pathlib import Path

from ..assignments import ASSIGNMENTS, REPO_ROOT, get_assignment
from ..collect_submission import make_submission_zip
from .autograde import autograde
from .release import build_release
from .simulate import fill_in_solutions, plant_bug, start_from_release

# One typical bug per assignment: (file, reference text, buggy text, what it is).
PLANTED_BUGS = {
    "assignment1": ("a1/linear_svm.py", "    margins[rows, y] = 0\n", "",
                    "svm_loss_vectorized counts the correct class in the hinge sum"),
    "assignment2": ("a2/optim.py", "m_hat = m / (1 - beta1 ** t)", "m_hat = m",
                    "adam skips the bias correction of its first moment"),
    "assignment3": ("a3/rnn_layers.py", "np.add.at(dW, x, dout)", "dW[x] += dout",
                    "word_embedding_backward counts a repeated word only once"),
}


def make_students(release, assignment, submissions, workdir, log=print):
    """Write the three simulated students' zips into ``submissions``."""
    bug_file, old, new, bug = PLANTED_BUGS[assignment.name]
    students = {
        "reference": "fills in the reference solutions",
        "untouched": "hands in the release unchanged",
        "planted_bug": f"reference solutions, except: {bug}",
    }
    for student, what in students.items():
        folder = start_from_release(release / assignment.name / assignment.name, Path(workdir) / student)
        if student != "untouched":
            fill_in_solutions(folder, assignment)
        if student == "planted_bug":
            plant_bug(folder, bug_file, old, new)
        zip_path = submissions / f"{student}_{assignment.name}_submission.zip"
        make_submission_zip(assignment, folder, zip_path)
        log(f"  {student}: {what}")
    return students


def run_demo(out=None, assignments=None, log=print):
    """Run the demo; returns 0 when every outcome is the expected one, else 1."""
    out = Path(out or REPO_ROOT / "demo").resolve()
    if out.exists():
        shutil.rmtree(out)
    names = assignments or list(ASSIGNMENTS)
    started = time.monotonic()
    log(f"1. Building the student release in {out / 'release'}")
    release = build_release(target=out / "release", course_dir=out / "course",
                            assignments=names, log=log)
    ok = True
    for name in names:
        assignment = get_assignment(name)
        submissions = out / "submissions" / name
        submissions.mkdir(parents=True)
        log(f"2. Three students hand in {name} (zips in {submissions})")
        make_students(release, assignment, submissions, out / "students" / name, log)
        log(f"3. Autograding {name}")
        rows, reports, csv_path = autograde(name, submissions, course_dir=out / "course",
                                            log=log)
        ok &= check_outcomes({r.student: r for r in rows}, log)
    log(f"Done in {time.monotonic() - started:.0f} s. Feedback for each student: "
        f"{out / 'course' / 'feedback'}/<student>/<assignment>/*.html")
    return 0 if ok else 1


def check_outcomes(rows, log=print):
    """Say whether the grades are the expected ones: full, zero and partial."""
    reference, untouched, buggy = rows["reference"], rows["untouched"], rows["planted_bug"]
    expected = [
        ("the reference solutions get full autograded marks",
         reference.score == reference.max_score > 0),
        ("the untouched release gets zero autograded points", untouched.score == 0),
        ("the planted bug loses some points, not all",
         0 < buggy.score < reference.score),
    ]
    for text, holds in expected:
        log(f"  [{'ok' if holds else 'UNEXPECTED'}] {text}")
    return all(holds for _, holds in expected)
