"""The nbgrader and Jupyter settings of a student repository.

``write_student_settings(target)`` writes into a student repository folder::

    nbgrader_config.py                  the grader's verdict settings, loaded from
                                        cs_utils/grading_settings.py (shipped with it)
    .jupyter/labconfig/page_config.json JupyterLab and Notebook 7 plugins turned off
    .jupyter/jupyter_server_config.json nbgrader server extensions turned off

``nbgrader validate`` and the Validate button read ``nbgrader_config.py`` from the
folder they run in; each assignment folder of the source holds a small
``nbgrader_config.py`` that loads the one of the folder above, so validating from
inside an assignment folder gets the same settings.

The ``.jupyter`` folder takes effect when JupyterLab starts with it on Jupyter's
config path (``JUPYTER_CONFIG_PATH``, as the student README says): nbgrader's
instructor tools (Formgrader, Create Assignment, Course List) disappear, and so does
the Assignment List unless the course hands out assignments through an nbgrader
exchange. The Validate button stays. Nothing outside the repository changes.
"""

import json
import shutil
from pathlib import Path

from ..assignments import REPO_ROOT

GRADING_SETTINGS = "cs_utils/grading_settings.py"
JUPYTER_FOLDER = ".jupyter"

# Plugin ids of nbgrader's lab extension (@jupyter/nbgrader 0.9), as
# `jupyter labextension disable` takes them.
INSTRUCTOR_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                      "@jupyter/nbgrader:course-list")
EXCHANGE_PLUGINS = ("@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:menu")
# Server extensions, as nbgrader enables them in jupyter_server_config.d/nbgrader.json.
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader",
                                "nbgrader.server_extensions.course_list")
EXCHANGE_SERVER_EXTENSIONS = ("nbgrader.server_extensions.assignment_list",)

STUDENT_NBGRADER_CONFIG = '''\
"""nbgrader's settings for checking your work: the same as the grader's.

`nbgrader validate` and the Validate button in JupyterLab read this file (nbgrader
looks for nbgrader_config.py in the folder it runs in; the one in each assignment
folder loads this one). The settings are in cs_utils/grading_settings.py, which the
grader uses too: the time limit of a cell, and which stderr output (Python warnings)
does not count against a test cell.
"""

import sys
from pathlib import Path

# Use the cs_utils of this repository, even if another course copy is installed.
_REPOSITORY = str(Path(__file__).resolve().parent)
if _REPOSITORY not in sys.path:
    sys.path.insert(0, _REPOSITORY)

from cs_utils.grading_settings import apply_grading_settings  # noqa: E402

apply_grading_settings(c)  # noqa: F821 (c is the config nbgrader loads this file into)
'''

EXCHANGE_LINES = '''
# Assignments are handed out and collected through nbgrader's exchange.
c.Exchange.root = {root!r}  # noqa: F821
'''


def disabled_plugins(exchange_root=None):
    """The lab plugins a student does not get (the Assignment List only without an
    exchange)."""
    return INSTRUCTOR_PLUGINS + (() if exchange_root else EXCHANGE_PLUGINS)


def disabled_server_extensions(exchange_root=None):
    """The nbgrader server extensions a student's Jupyter server does not load."""
    return INSTRUCTOR_SERVER_EXTENSIONS + (() if exchange_root else EXCHANGE_SERVER_EXTENSIONS)


def nbgrader_config_text(exchange_root=None):
    """The student repository's nbgrader_config.py."""
    text = STUDENT_NBGRADER_CONFIG
    if exchange_root:
        text += EXCHANGE_LINES.format(root=str(exchange_root))
    return text


def write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def write_student_settings(target, exchange_root=None):
    """Write the student nbgrader config and Jupyter settings into the student
    repository ``target``; ``exchange_root``: the nbgrader exchange folder when the
    course uses one (keeps the Assignment List). Returns the paths written."""
    target = Path(target)
    if not target.is_dir():
        raise FileNotFoundError(f"{target} is not a folder: the student repository must exist")
    settings = target / GRADING_SETTINGS
    settings.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO_ROOT / GRADING_SETTINGS, settings)
    config = target / "nbgrader_config.py"
    config.write_text(nbgrader_config_text(exchange_root), encoding="utf-8")
    jupyter = target / JUPYTER_FOLDER
    page_config = jupyter / "labconfig" / "page_config.json"
    write_json(page_config, {"disabledExtensions": {
        plugin: True for plugin in disabled_plugins(exchange_root)}})
    server_config = jupyter / "jupyter_server_config.json"
    write_json(server_config, {"ServerApp": {"jpserver_extensions": {
        name: False for name in disabled_server_extensions(exchange_root)}}})
    return [settings, config, page_config, server_config]
