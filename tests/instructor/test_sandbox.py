"""The sandbox's pieces on their own: limits, mode selection, the clean environment,
reading results safely, the weakest mode running a notebook, and the command line."""

import json
import os

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from cs_utils.instructor import sandbox
from cs_utils.instructor.__main__ import main
from cs_utils.instructor.sandbox import (Limits, SandboxError, clean_env, detect_isolation,
                                         run_notebook)


@pytest.mark.parametrize("field", ["seconds_per_notebook", "memory_bytes", "processes",
                                   "memory_per_submission", "cpu_weight"])
@pytest.mark.parametrize("value", [0, -5, "10", None])
def test_limits_refuse_non_positive_or_non_numbers(field, value):
    with pytest.raises(ValueError, match=field):
        Limits(**{field: value})


def test_cpu_weight_stays_on_the_cgroup_scale():
    assert Limits(cpu_weight=10_000).cpu_weight == 10_000
    with pytest.raises(ValueError, match="cpu_weight must be between 1 and 10000"):
        Limits(cpu_weight=10_001)


def test_mode_selection(monkeypatch):
    monkeypatch.setattr(sandbox, "_strongest_available", lambda: "uid")
    monkeypatch.delenv("COURSE_SANDBOX", raising=False)
    assert detect_isolation() == "uid"
    assert detect_isolation("rlimits") == "rlimits"  # weaker on request
    with pytest.raises(SandboxError, match="not available here.*strongest available is 'uid'"):
        detect_isolation("bwrap+uid")
    with pytest.raises(SandboxError, match="unknown isolation mode 'chroot'"):
        detect_isolation("chroot")
    monkeypatch.setenv("COURSE_SANDBOX", "rlimits")
    assert detect_isolation() == "rlimits"


def test_clean_env_keeps_only_the_allow_list(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "nope")
    monkeypatch.setenv("DATABASE_URL", "postgresql://secret")
    monkeypatch.setenv("COURSE_DATASET", "generated")
    env = clean_env(tmp_path)
    assert "AWS_SECRET_ACCESS_KEY" not in env and "DATABASE_URL" not in env
    assert env["COURSE_DATASET"] == "generated" and env["HOME"] == str(tmp_path)
    assert env["NBGRADER_EXECUTION"] == "autograde" and env["OPENBLAS_NUM_THREADS"] == "1"
    assert set(env) <= set(sandbox.ALLOWED_ENV) | {
        "PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "MPLBACKEND", "MPLCONFIGDIR",
        "IPYTHONDIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_PLATFORM_DIRS", "NBGRADER_EXECUTION",
        "PYTHONDONTWRITEBYTECODE", "PYDEVD_DISABLE_FILE_VALIDATION", "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS", "MKL_NUM_THREADS"}


def test_results_are_read_without_following_links(tmp_path):
    secret = tmp_path / "gradebook.db"
    secret.write_text("grades")
    (tmp_path / "out.ipynb").symlink_to(secret)
    with pytest.raises(OSError):
        sandbox._read_limited(tmp_path / "out.ipynb", 1000)
    (tmp_path / "big.ipynb").write_bytes(b"x" * 2000)
    with pytest.raises(ValueError, match="larger than 1000 bytes"):
        sandbox._read_limited(tmp_path / "big.ipynb", 1000)
    os.link(secret, tmp_path / "hard.ipynb")
    with pytest.raises(ValueError, match="not a plain file"):
        sandbox._read_limited(tmp_path / "hard.ipynb", 1000)


@pytest.mark.slow
def test_weakest_mode_still_limits_and_cleans(tmp_path, monkeypatch):
    """Without namespaces or a uid: limits, a clean environment, unrun cells scored."""
    monkeypatch.setenv("CS_SANDBOX_TEST_SECRET", "hunter2")
    job = tmp_path / "job"
    (job / "toy").mkdir(parents=True)
    (job / "in").mkdir()
    cells = [new_code_cell("import os\nprint(sorted(k for k in os.environ if 'SECRET' in k))"),
             new_code_cell("import numpy as np\nx = np.ones(10 ** 11)"),
             new_code_cell("import os\nos._exit(0)"),
             new_code_cell("print('never')")]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, job / "in" / "probe.ipynb")
    limits = Limits(seconds_per_notebook=60, memory_bytes=2 * 1024 ** 3)
    executed, status = run_notebook(job, "toy", "probe", limits, "rlimits")
    outputs = [cell["outputs"] for cell in executed["cells"]]
    assert outputs[0][0]["text"].strip() == "[]"
    assert outputs[1][0]["ename"] == "MemoryError"
    assert status["kernel_died"] and status["cell"] == 2
    assert outputs[3][0]["ename"] == "NotRun"


def test_command_line_forwards_the_grading_options(monkeypatch):
    seen = {}
    monkeypatch.setattr("cs_utils.instructor.autograde.autograde",
                        lambda *args, **kwargs: seen.update(args=args, **kwargs))
    assert main(["autograde", "assignment1", "zips", "--workers", "3", "--dask",
                 "tcp://127.0.0.1:8786", "--db", "sqlite:////tmp/x.db", "--regrade",
                 "--isolation", "rlimits"]) == 0
    assert seen["args"] == ("assignment1", "zips") and seen["workers"] == 3
    assert seen["dask"] == "tcp://127.0.0.1:8786" and seen["db"] == "sqlite:////tmp/x.db"
    assert seen["regrade"] is True and seen["isolation"] == "rlimits"
    with pytest.raises(SystemExit, match="at least 1"):
        main(["autograde", "assignment1", "zips", "--workers", "0"])


def progress_job(tmp_path, records):
    """A job folder whose worker died after writing ``records`` to its progress log."""
    job = tmp_path / "job"
    (job / "in").mkdir(parents=True)
    (job / "progress").mkdir()
    cells = [new_code_cell("x = 1"), new_code_cell("print(x)"),
             new_code_cell("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"),
             new_code_cell("print('after')")]
    nbformat.write(new_notebook(cells=cells), job / "in" / "nb.ipynb")
    lines = [json.dumps(record) for record in records]
    (job / "progress" / "nb.jsonl").write_text("\n".join(lines) + "\n")
    return job


PRINTED = [{"output_type": "stream", "name": "stdout", "text": "1\n"}]


def test_a_killed_worker_leaves_the_cells_before_the_kill_graded(tmp_path):
    job = progress_job(tmp_path, [{"started": 0}, {"finished": 0, "outputs": [],
                                                   "execution_count": 1},
                                  {"started": 1}, {"finished": 1, "outputs": PRINTED,
                                                   "execution_count": 2},
                                  {"started": 2}])
    status = {}
    nb = sandbox._from_progress(job, "nb", status, 10 ** 6)
    assert status["stopped_at"] == 2
    assert nb["cells"][1]["outputs"] == PRINTED and nb["cells"][1]["execution_count"] == 2
    assert "killed while this cell ran" in nb["cells"][2]["outputs"][0]["evalue"]
    assert nb["cells"][3]["outputs"][0]["ename"] == "NotRun"


def test_a_kill_between_cells_names_the_next_cell(tmp_path):
    job = progress_job(tmp_path, [{"started": 0}, {"finished": 0, "outputs": [],
                                                   "execution_count": 1}])
    status = {}
    nb = sandbox._from_progress(job, "nb", status, 10 ** 6)
    assert status["stopped_at"] == 1 and nb["cells"][3]["outputs"][0]["ename"] == "NotRun"


def test_without_a_progress_log_there_is_no_notebook(tmp_path):
    job = progress_job(tmp_path, [])
    (job / "progress" / "nb.jsonl").unlink()
    assert sandbox._from_progress(job, "nb", {}, 10 ** 6) is None
