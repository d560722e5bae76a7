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

# Files that never belong to a release or a submission.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
    "*.pkl", "*.npz", "*.npy", "*.h5", "*.pt", "*_submission.zip",
]

# Per-cell time limit. Quick mode (NBGRADER_EXECUTION is set while grading) keeps
# every training cell far below it; 30 s, nbgrader's default, is too tight for a
# slow laptop running validate.
c.Execute.timeout = 300

# nbgrader gives zero to a test cell that writes to stderr. A correct solution may
# trigger a numpy RuntimeWarning (log of 0, say); drop such warning lines before the
# grade is taken, and keep every other stderr output (which still zeroes the cell).
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(?m)^[^\n]*:\d+: \w*Warning: "

# Feedback must not show the hidden tests: GetGrades reads the grades, then the
# course's own step clears the hidden-test source and shortens tracebacks that
# could quote it.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

from cs_utils.instructor.feedback import HideHiddenTests  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
