"""nbgrader configuration for this course.

The instructor tooling copies this file into each course folder it manages
(``grading/`` by default, ``demo/course`` for ``make demo``), where nbgrader reads it.
Change settings here, not in the copies.
"""

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "numpy-deep-learning"

# Student stubs in notebooks. The .py files are stubbed by cs_utils.instructor.strip,
# which also gives concept-check answer cells a stub that does not raise.
from cs_utils.instructor.strip import NOTEBOOK_CODE_STUB  # noqa: E402

c.ClearSolutions.code_stub = {"python": NOTEBOOK_CODE_STUB}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# nbgrader copies an assignment's .py files into release/ as they are, solutions
# included. Every student version nbgrader makes (generate_assignment, formgrader's
# Generate button, make release) gets them stripped by this hook, and nbgrader's
# exchange (release_assignment, formgrader's Release button) refuses a release/ folder
# whose .py files still hold solutions. See cs_utils/instructor/nbgrader_hooks.py.
c.GenerateAssignment.post_convert_hook = \
    "cs_utils.instructor.nbgrader_hooks.finish_student_version"
c.ExchangeFactory.release_assignment = \
    "cs_utils.instructor.nbgrader_hooks.CheckedReleaseAssignment"

# Files that never belong to a release or a submission.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
    "*.pkl", "*.npz", "*.npy", "*.h5", "*.pt", "*_submission.zip",
]

# What decides whether a cell passes (the 300 s cell time limit, Python warning lines
# dropped from stderr): one module, which the students' nbgrader_config.py loads too,
# so that `nbgrader validate` gives the grader's verdicts.
from cs_utils.grading_settings import apply_grading_settings  # noqa: E402

apply_grading_settings(c)

# Feedback: the course's GradesSoFar reads the grades like nbgrader's GetGrades and
# shows written answers nobody has graded yet as "to be graded by hand", not as 0; then
# HideHiddenTests clears the hidden-test source and shortens tracebacks that could
# quote it. Every way of writing feedback runs these (nbgrader generate_feedback,
# formgrader's button, python -m cs_utils.instructor feedback).
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402

from cs_utils.instructor.feedback import GradesSoFar, HideHiddenTests  # noqa: E402

c.GenerateFeedback.preprocessors = [GradesSoFar, HideHiddenTests, CSSHTMLHeaderPreprocessor]
