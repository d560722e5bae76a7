"""Notebook set-up and the quick mode.

Every notebook starts with::

    from cs_utils.notebook import setup_notebook, QUICK
    setup_notebook()

``QUICK`` is true while nbgrader validates or autogrades a notebook
(``NBGRADER_EXECUTION`` is set) and in continuous integration (``CI`` is set).
Notebooks use it to shrink long training runs to a short but meaningful one, so
that grading a whole assignment takes minutes.
"""

import os
import random

import numpy as np


def is_quick_mode(environ=None):
    """True under nbgrader (validate or autograde), in CI, or when COURSE_QUICK=1."""
    environ = os.environ if environ is None else environ
    if environ.get("NBGRADER_EXECUTION"):
        return True
    if environ.get("COURSE_QUICK", "").lower() in ("1", "true", "yes"):
        return True
    return environ.get("CI", "").lower() not in ("", "0", "false", "no")


QUICK = is_quick_mode()


def pick(full, quick):
    """Return ``quick`` in quick mode and ``full`` otherwise (iterations, sizes, grids)."""
    return quick if QUICK else full


def seed_everything(seed=0):
    """Seed Python's and numpy's global random generators."""
    random.seed(seed)
    np.random.seed(seed)


def setup_notebook(seed=0, autoreload=True):
    """Prepare a notebook: seeds, autoreload of the student's modules, plot defaults.

    Prints one line saying whether the notebook runs in quick mode.
    """
    seed_everything(seed)
    _configure_matplotlib()
    if autoreload:
        _enable_autoreload()
    if QUICK:
        print("Quick mode (grading or CI): training runs are shortened.")


def _configure_matplotlib():
    import matplotlib

    if not _in_ipython():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["figure.figsize"] = (10.0, 8.0)
    plt.rcParams["image.interpolation"] = "nearest"
    plt.rcParams["image.cmap"] = "gray"


def _in_ipython():
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def _enable_autoreload():
    if not _in_ipython():
        return
    from IPython import get_ipython

    ip = get_ipython()
    if "autoreload" not in ip.extension_manager.loaded:
        ip.run_line_magic("load_ext", "autoreload")
    ip.run_line_magic("autoreload", "2")
