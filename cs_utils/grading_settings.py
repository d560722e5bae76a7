"""The nbgrader settings that decide whether a cell passes, shared by grader and students.

Two configurations load this module: the course's ``nbgrader_config.py`` (which the
instructor tooling copies into its course folders and autogrades with) and the
``nbgrader_config.py`` of a student repository (which ``nbgrader validate`` and the
Validate button of JupyterLab read). So a notebook passes validate exactly when
autograde would give it its points, and the two cannot drift apart.

What changes a verdict, and is therefore here:

- the per-cell time limit (nbgrader's default, 30 s, is too tight for a slow laptop);
- which stderr output is dropped before grading: nbgrader gives zero to a test cell
  with any stderr output, and a correct solution may trigger a numpy RuntimeWarning
  (log of 0, say). Python warning lines are dropped; every other stderr output still
  zeroes the cell.

nbgrader 0.9 applies its ``IgnorePattern`` filter in autograde only: its ``Validator``
runs a fixed list of steps (``CheckCellMetadata``, ``ClearOutput``, ``Execute``) that no
setting can extend. ``validate_like_autograde`` adds the filter to that list, in the
position autograde runs it (right after ``Execute``).
"""

# Per-cell time limit, in seconds. Quick mode (NBGRADER_EXECUTION is set while
# nbgrader runs a notebook) keeps every training cell far below it.
CELL_TIMEOUT = 300

# A Python warning as the warnings module prints it: "<file>:<line>: <Category>: ...".
WARNING_LINE_PATTERN = r"(?m)^[^\n]*:\d+: \w*Warning: "


def apply_grading_settings(c):
    """Write the grading settings into the nbgrader config ``c`` (a traitlets Config)
    and make nbgrader's validator filter stderr as autograde does. Returns ``c``."""
    c.Execute.timeout = CELL_TIMEOUT
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = WARNING_LINE_PATTERN
    validate_like_autograde()
    return c


def validate_like_autograde():
    """Insert nbgrader's ``IgnorePattern`` after ``Execute`` in the steps of nbgrader's
    ``Validator`` (``nbgrader validate`` and the Validate button both use it).

    The step is configured like every other one (``c.IgnorePattern``) and does nothing
    unless enabled there. Safe to call any number of times. Returns the steps.
    """
    from nbgrader.preprocessors import Execute, IgnorePattern
    from nbgrader.validator import Validator

    trait = Validator.class_traits()["preprocessors"]
    steps = list(trait.default())
    if IgnorePattern not in steps:
        if Execute not in steps:
            raise RuntimeError(f"nbgrader's Validator runs {steps}, without Execute: this "
                               f"nbgrader version is not the one the course supports")
        steps.insert(steps.index(Execute) + 1, IgnorePattern)
        trait.default_value = steps
    return steps
