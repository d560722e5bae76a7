"""A student repository's nbgrader and Jupyter settings.

``nbgrader validate`` in a student repository (from its top folder or from inside an
assignment folder) must judge a notebook as autograde does: same cell time limit, same
stderr filter. The Jupyter settings must leave a student's JupyterLab with Validate and
without nbgrader's instructor tools. The settings nbgrader and Jupyter actually load are
read in a fresh process in the folder, as ``nbgrader validate`` would read them; the
slow test runs validate and autograde on one notebook with a slow cell and a cell
that warns on stderr.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell
from traitlets.config.loader import PyFileConfigLoader

from cs_utils.assignments import ASSIGNMENTS, REPO_ROOT
from cs_utils.grading_settings import CELL_TIMEOUT, WARNING_LINE_PATTERN
from cs_utils.instructor.autograde import autograde, default_limits
from cs_utils.instructor.course import Course
from cs_utils.instructor.release import build_release, copy_shared_files
from cs_utils.instructor.student_config import write_student_settings
from cs_utils.instructor.simulate import fill_in_solutions
from cs_utils.instructor.student_config import EXCHANGE_PLUGINS, INSTRUCTOR_PLUGINS
from tests.instructor.toy import make_toy_assignment, zip_folder

NBGRADER_DEFAULT_TIMEOUT = 30
NO_CONFIG_WARNING = "No nbgrader_config.py file found"
SUCCESS = "Success! Your notebook passes all the tests."
# The config sections nbgrader's own apps set up whatever the config file holds.
NBGRADER_OWN_SECTIONS = {"Exchange", "NbGrader", "TransferApp"}
LAB_EXTENSION = Path(sys.prefix, "share", "jupyter", "labextensions", "@jupyter", "nbgrader")
SERVER_EXTENSIONS = Path(sys.prefix, "etc", "jupyter", "jupyter_server_config.d",
                         "nbgrader.json")
SHIM = REPO_ROOT / "assignment1" / "nbgrader_config.py"
EXCHANGE_ROOT = "/srv/nbgrader/exchange"

# What `nbgrader validate` sets up in each folder named on the command line before it
# runs a notebook: its Validator, with the Execute and IgnorePattern steps configured
# from the config files it found there.
VALIDATOR_PROBE = """
import json, os, sys
from nbgrader.apps.validateapp import ValidateApp
from nbgrader.preprocessors import Execute, IgnorePattern
from nbgrader.validator import Validator

found = []
for folder in sys.argv[1:]:
    os.chdir(folder)
    app = ValidateApp()
    app.initialize([])
    validator = Validator(parent=app)
    execute, ignore = Execute(parent=validator), IgnorePattern(parent=validator)
    found.append({"steps": [step.__name__ for step in validator.preprocessors],
                  "timeout": execute.timeout, "ignore": [ignore.enabled, ignore.pattern],
                  "sections": sorted(app.config),
                  "exchange_root": app.config.Exchange.get("root")})
print(json.dumps(found))
"""
# What a Jupyter server started in the folder reads: its server extension switches
# and the lab plugins its page config disables.
JUPYTER_PROBE = """
import json
from jupyter_server.serverapp import ServerApp
from jupyterlab_server.config import get_static_page_config

app = ServerApp()
app.load_config_file()
print(json.dumps({
    "server_extensions": dict(app.config.ServerApp.get("jpserver_extensions", {})),
    "disabled_plugins": sorted(name for name, off in get_static_page_config(level="all")
                               .get("disabledExtensions", {}).items() if off)}))
"""


def clean_env(tmp_path, **extra):
    """The environment with an empty user config folder, so that nothing of the
    machine's ~/.jupyter counts."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER_", "NBGRADER_"))}
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "empty-home")
    env.update(extra)
    return env


def probe(script, cwd, env, *args):
    """Run a probe script in a fresh Python; returns (its JSON answer, its stderr)."""
    proc = subprocess.run([sys.executable, "-c", script, *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1]), proc.stderr


def student_repository(tmp_path, assignment):
    """A student repository as copy_shared_files lays it out, with the assignment
    folder's own nbgrader_config.py (as every real assignment folder has)."""
    repository = tmp_path / "repository"
    repository.mkdir()
    copy_shared_files(repository, assignment)
    (repository / assignment.name).mkdir()
    shutil.copy(SHIM, repository / assignment.name / "nbgrader_config.py")
    return repository


def assert_grading_settings(settings):
    assert settings["steps"] == ["CheckCellMetadata", "ClearOutput", "Execute",
                                 "IgnorePattern"]
    assert settings["timeout"] == CELL_TIMEOUT > NBGRADER_DEFAULT_TIMEOUT
    assert settings["ignore"] == [True, WARNING_LINE_PATTERN]


# --------------------------------------------------------------------------- fast


def test_student_repository_gets_the_settings_and_nothing_of_the_instructor(tmp_path):
    repository = student_repository(tmp_path, make_toy_assignment(tmp_path / "source"))
    for name in ("nbgrader_config.py", ".jupyter/labconfig/page_config.json",
                 ".jupyter/jupyter_server_config.json"):
        assert (repository / name).is_file(), name
    shipped = repository / "cs_utils" / "grading_settings.py"
    assert shipped.read_bytes() == (REPO_ROOT / "cs_utils" / "grading_settings.py").read_bytes()
    text = (repository / "nbgrader_config.py").read_text()
    for instructor_only in ("cs_utils.instructor", "course_id", "db_url", "gradebook",
                            "CourseDirectory", "GenerateFeedback", "ClearSolutions",
                            "exclude_overwriting", "Exchange"):
        assert instructor_only not in text, instructor_only


@pytest.fixture(scope="module")
def probed(tmp_path_factory):
    """What nbgrader's validator loads in a student repository's top folder and
    assignment folder, in one with an exchange, and in a folder without settings."""
    tmp_path = tmp_path_factory.mktemp("probed")
    repository = student_repository(tmp_path, make_toy_assignment(tmp_path / "source"))
    exchange = tmp_path / "with-exchange"
    exchange.mkdir()
    write_student_settings(exchange, exchange_root=EXCHANGE_ROOT)
    bare = tmp_path / "bare"
    bare.mkdir()
    env = clean_env(tmp_path)
    # The assignment folder first: what it loads adds IgnorePattern to the Validator.
    configured, log = probe(VALIDATOR_PROBE, tmp_path, env, repository / "toy", repository,
                            exchange)
    # A process of its own: the configured folders changed nbgrader's Validator.
    (defaults,), bare_log = probe(VALIDATOR_PROBE, tmp_path, env, bare)
    return {"assignment folder": configured[0], "top folder": configured[1],
            "exchange": configured[2], "log": log, "defaults": defaults,
            "bare log": bare_log}


@pytest.mark.parametrize("where", ["top folder", "assignment folder"])
def test_validate_in_a_student_repository_loads_the_grading_settings(probed, where):
    settings = probed[where]
    assert_grading_settings(settings)
    assert set(settings["sections"]) == NBGRADER_OWN_SECTIONS | {"Execute", "IgnorePattern"}
    assert settings["exchange_root"] is None
    assert NO_CONFIG_WARNING not in probed["log"]


def test_without_the_settings_validate_uses_nbgraders_defaults(probed):
    """The control: the probe tells the settings apart from nbgrader's defaults."""
    settings = probed["defaults"]
    assert settings["steps"] == ["CheckCellMetadata", "ClearOutput", "Execute"]
    assert settings["timeout"] == NBGRADER_DEFAULT_TIMEOUT
    assert settings["ignore"] == [False, ""]
    assert NO_CONFIG_WARNING in probed["bare log"]


def test_course_folders_get_the_same_grading_settings(tmp_path):
    """One source: the instructor's config takes the settings from the same module."""
    instructor_text = (REPO_ROOT / "nbgrader_config.py").read_text()
    assert "apply_grading_settings(c)" in instructor_text
    assert not re.search(r"c\.(Execute\.timeout|IgnorePattern\.\w+)\s*=", instructor_text)
    config = Course(tmp_path / "course").prepare([make_toy_assignment(tmp_path)]).config()
    assert config.Execute.timeout == CELL_TIMEOUT
    assert (config.IgnorePattern.enabled, config.IgnorePattern.pattern) == \
        (True, WARNING_LINE_PATTERN)
    assert default_limits(config).seconds_per_cell == CELL_TIMEOUT  # the sandbox's limit


def test_every_assignment_folder_loads_the_config_of_the_folder_above(tmp_path):
    for assignment in ASSIGNMENTS.values():
        assert (assignment.folder / "nbgrader_config.py").read_text() == SHIM.read_text()
    (tmp_path / "nbgrader_config.py").write_text("c.Execute.timeout = 123\n")
    (tmp_path / "inner").mkdir()
    shutil.copy(SHIM, tmp_path / "inner" / "nbgrader_config.py")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path / "inner")).load_config()
    assert config.Execute.timeout == 123


def installed_plugin_ids():
    """The plugin ids in the installed bundle of nbgrader's lab extension."""
    ids = set()
    for path in (LAB_EXTENSION / "static").glob("*.js"):
        ids.update(re.findall(r'"(@jupyter/nbgrader:[a-z-]+)"', path.read_text()))
    return ids


def test_only_validate_is_left_of_nbgraders_jupyter_extensions(tmp_path):
    write_student_settings(tmp_path)
    page = json.loads((tmp_path / ".jupyter/labconfig/page_config.json").read_text())
    disabled = {name for name, off in page["disabledExtensions"].items() if off}
    assert disabled == {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                        "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:assignment-list",
                        "@jupyter/nbgrader:menu"}
    installed = installed_plugin_ids()
    assert disabled <= installed
    assert installed - disabled == {"@jupyter/nbgrader:validate-assignment"}
    server = json.loads((tmp_path / ".jupyter/jupyter_server_config.json").read_text())
    switches = server["ServerApp"]["jpserver_extensions"]
    enabled_by_nbgrader = json.loads(SERVER_EXTENSIONS.read_text())["ServerApp"][
        "jpserver_extensions"]
    assert set(enabled_by_nbgrader) - {n for n, on in switches.items() if not on} == \
        {"nbgrader.server_extensions.validate_assignment"}


def test_an_exchange_keeps_the_assignment_list(tmp_path, probed):
    write_student_settings(tmp_path, exchange_root=EXCHANGE_ROOT)
    page = json.loads((tmp_path / ".jupyter/labconfig/page_config.json").read_text())
    assert set(page["disabledExtensions"]) == set(INSTRUCTOR_PLUGINS)
    assert not set(EXCHANGE_PLUGINS) & set(page["disabledExtensions"])
    server = json.loads((tmp_path / ".jupyter/jupyter_server_config.json").read_text())
    assert "nbgrader.server_extensions.assignment_list" not in \
        server["ServerApp"]["jpserver_extensions"]
    assert probed["exchange"]["exchange_root"] == EXCHANGE_ROOT
    assert_grading_settings(probed["exchange"])


def test_jupyter_reads_the_settings_when_started_as_the_readme_says(tmp_path):
    """JUPYTER_CONFIG_PATH="$PWD/.jupyter" turns the plugins and server extensions off;
    without it, nothing is (the browser test looks at the page itself)."""
    write_student_settings(tmp_path)
    readme, _ = probe(JUPYTER_PROBE, tmp_path, clean_env(
        tmp_path, JUPYTER_CONFIG_PATH=str(tmp_path / ".jupyter")))
    assert readme["server_extensions"] == {
        "nbgrader.server_extensions.formgrader": False,
        "nbgrader.server_extensions.course_list": False,
        "nbgrader.server_extensions.assignment_list": False}
    assert readme["disabled_plugins"] == sorted(INSTRUCTOR_PLUGINS + EXCHANGE_PLUGINS)
    plain, _ = probe(JUPYTER_PROBE, tmp_path, clean_env(tmp_path))
    assert plain == {"server_extensions": {}, "disabled_plugins": []}


def test_writing_into_a_missing_folder_fails_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="student repository must exist"):
        write_student_settings(tmp_path / "nowhere")


# --------------------------------------------------------------------------- slow

SLOW_SECONDS = 3
SLOW_TEST = ("import time\nfrom tp.ops import double\n"
             f"time.sleep({SLOW_SECONDS})\nassert double(3) == 6\n")
# log(0): numpy prints a RuntimeWarning to stderr, which alone zeroes a test cell.
WARNING_TEST = ("import numpy as np\nfrom tp.ops import safe_log\n"
                "assert np.isneginf(safe_log(np.array([0.0]))[0])\n")


def graded_cell(source, grade_id):
    return new_code_cell(source, metadata={"nbgrader": {
        "schema_version": 3, "grade": True, "solution": False, "locked": True,
        "task": False, "points": 1, "grade_id": grade_id}})


def toy_with_slow_and_warning_cells(root):
    """The toy assignment plus a test cell of a few seconds and one that warns, before
    the other tests (so that the warning is the first of its line), and the assignment
    folder's nbgrader_config.py of the real assignments."""
    assignment = make_toy_assignment(root)
    path = assignment.folder / "toy.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[3:3] = [graded_cell(SLOW_TEST, "test_slow"),
                     graded_cell(WARNING_TEST, "test_warning")]
    nbformat.write(nb, path)
    shutil.copy(SHIM, assignment.folder / "nbgrader_config.py")
    return assignment


def validate(notebook, cwd, env):
    """Run `nbgrader validate notebook` in ``cwd``; returns (output, seconds)."""
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "validate", notebook],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    return proc.stdout + proc.stderr, time.monotonic() - start


@pytest.mark.slow
def test_validate_in_a_release_agrees_with_autograde(tmp_path):
    assignment = toy_with_slow_and_warning_cells(tmp_path / "source")
    release = build_release(target=tmp_path / "release", course_dir=tmp_path / "course",
                            assignments=[assignment], log=lambda *a: None)
    repository = shutil.copytree(release / assignment.name, tmp_path / "alice")
    folder = repository / assignment.name
    fill_in_solutions(folder, assignment)
    env = clean_env(tmp_path)

    # The settings validate loads there are the ones the autograder runs with.
    course_limits = default_limits(Course(tmp_path / "course").config())
    for settings in probe(VALIDATOR_PROBE, tmp_path, env, folder, repository)[0]:
        assert_grading_settings(settings)
        assert settings["timeout"] == course_limits.seconds_per_cell

    for notebook, cwd in (("toy/toy.ipynb", repository), ("toy.ipynb", folder)):
        output, seconds = validate(notebook, cwd, env)
        print(f"nbgrader validate {notebook} in {cwd.name}/: {seconds:.1f} s")
        assert SUCCESS in output, output[-3000:]
        assert NO_CONFIG_WARNING not in output
        assert seconds > SLOW_SECONDS

    # The control: with nbgrader's defaults, the warning alone fails its cell.
    bare = shutil.copytree(folder, tmp_path / "bare" / assignment.name)
    (bare / "nbgrader_config.py").unlink()
    output, _ = validate("toy.ipynb", bare, env)
    assert "VALIDATION FAILED ON 1 CELL(S)" in output, output[-3000:]
    assert "safe_log(np.array([0.0]))" in output  # the failing cell is the warning one
    assert "ops.py:" in output and "return np.log(x)" in output  # its stderr: the warning

    submissions = tmp_path / "submissions"
    submissions.mkdir()
    zip_folder(folder, submissions / "alice.zip")
    rows, reports, _ = autograde(assignment, submissions, course_dir=tmp_path / "course",
                                 log=lambda *a: None)
    assert [(r.student, r.score, r.max_score) for r in rows] == [("alice", 7, 7)]
    assert reports[0].problems == []


def test_the_release_passes_the_exchange_on(tmp_path):
    """build_release(exchange_root=...) and `release --exchange DIR` reach the settings."""
    repository = tmp_path / "repository"
    repository.mkdir()
    copy_shared_files(repository, make_toy_assignment(tmp_path / "source"),
                      exchange_root=EXCHANGE_ROOT)
    assert f"c.Exchange.root = {EXCHANGE_ROOT!r}" in \
        (repository / "nbgrader_config.py").read_text()
    page = json.loads((repository / ".jupyter/labconfig/page_config.json").read_text())
    assert set(page["disabledExtensions"]) == set(INSTRUCTOR_PLUGINS)
