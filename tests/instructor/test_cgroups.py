"""One cgroup per notebook run: total memory and process count of a whole process tree,
groups removed afterwards, leftovers of a killed grader cleaned, and the fallback.

The tests on real cgroups need root and writable memory, pids and cpu controllers: they
are skipped without them, except in CI (CI=true), where they fail.
"""

import logging
import os
import subprocess
import sys
import textwrap
import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from cs_utils.instructor import cgroups
from cs_utils.instructor.jobs import describe_run
from cs_utils.instructor.sandbox import Limits, run_notebook

MiB = 1024 ** 2


@pytest.fixture
def real_cgroups():
    cgroups.detect.cache_clear()
    if cgroups.detect() is None:
        message = "no writable cgroup controllers here (needs root and memory, pids, cpu)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    yield
    cgroups.detect.cache_clear()


@pytest.fixture
def no_cgroups(tmp_path, monkeypatch):
    """A cgroup root without any controller, as on a machine that has none."""
    monkeypatch.setattr(cgroups, "CGROUP_ROOT", tmp_path / "no-cgroups")
    cgroups.detect.cache_clear()
    yield
    cgroups.detect.cache_clear()


def run_in(group, script):
    return subprocess.run(group.wrap([sys.executable, "-c", textwrap.dedent(script)]),
                          capture_output=True, text=True, timeout=60)


# A parent and 3 children, each child holding 150 MiB; RLIMIT_AS (1 GiB) allows each.
TREE = """
import os, resource, time
resource.setrlimit(resource.RLIMIT_AS, (1024 ** 3, 1024 ** 3))
children = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        block = b"x" * (150 * 1024 ** 2)
        time.sleep(1.5)
        os._exit(0)
    children.append(pid)
print(*[os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children])
"""


def test_a_process_tree_is_killed_over_the_group_memory(real_cgroups):
    group = cgroups.create(Limits(memory_per_submission=300 * MiB))
    try:
        result = run_in(group, TREE)
        assert result.returncode == 0, result.stderr
        exit_codes = [int(code) for code in result.stdout.split()]
        assert -9 in exit_codes, exit_codes  # SIGKILL from the group's OOM killer
        assert group.memory_limit_reached()
    finally:
        group.remove()
    assert not any(folder.exists() for folder in group.folders)


def test_the_same_tree_fits_a_larger_group(real_cgroups):
    group = cgroups.create(Limits(memory_per_submission=1024 * MiB))
    try:
        result = run_in(group, TREE)
        assert result.stdout.split() == ["0", "0", "0"], result.stderr
        assert not group.memory_limit_reached()
    finally:
        group.remove()


def test_the_pids_limit_stops_a_fork_loop_at_the_group_count(real_cgroups):
    group = cgroups.create(Limits(processes=20))
    try:
        result = run_in(group, """
            import os, time
            forked = 0
            while forked < 1000:
                try:
                    pid = os.fork()
                except BlockingIOError:
                    break
                if pid == 0:
                    os.close(1)  # the test reads the parent's output to its end
                    os.close(2)
                    time.sleep(60)
                    os._exit(0)
                forked += 1
            print(forked)
        """)
        assert result.stdout.strip() == "19", result.stderr  # 20 with the parent
        assert len(group.pids()) == 19  # the children still sleep in the group
    finally:
        group.remove()
    assert not any(folder.exists() for folder in group.folders)


def test_limits_are_written_to_the_group(real_cgroups):
    group = cgroups.create(Limits(memory_per_submission=300 * MiB, processes=33,
                                  cpu_weight=50))
    try:
        if group.version == "v1":
            memory, pids, cpu = group.folders
            assert (memory / "memory.limit_in_bytes").read_text().strip() == str(300 * MiB)
            assert (pids / "pids.max").read_text().strip() == "33"
            assert (cpu / "cpu.shares").read_text().strip() == "512"
        else:
            folder, = group.folders
            assert (folder / "memory.max").read_text().strip() == str(300 * MiB)
            assert (folder / "pids.max").read_text().strip() == "33"
            assert (folder / "cpu.weight").read_text().strip() == "50"
    finally:
        group.remove()


def test_a_killed_graders_group_is_cleaned_and_live_ones_kept(real_cgroups):
    gone = subprocess.Popen(["true"])
    gone.wait()
    version, parents = cgroups.detect()
    commons = [p / cgroups.PARENT_NAME for p in
               (parents.values() if version == "v1" else [parents])]
    stale = cgroups.RunGroup(version, [common / f"{gone.pid}-deadbeef" for common in commons])
    for common, folder in zip(commons, stale.folders):
        common.mkdir(exist_ok=True)
        folder.mkdir()
    leftover = subprocess.Popen(stale.wrap(["sleep", "60"]))
    while leftover.pid not in stale.pids():
        time.sleep(0.01)
    live = cgroups.create(Limits())
    try:
        assert leftover.wait(timeout=10) == -9
        assert not any(folder.exists() for folder in stale.folders)
        second = cgroups.create(Limits())
        second.remove()
        assert all(folder.is_dir() for folder in live.folders)  # its grader still runs
    finally:
        live.remove()
        stale.remove()


def test_without_cgroups_create_says_so_once(no_cgroups, caplog):
    with caplog.at_level(logging.WARNING, logger=cgroups.__name__):
        assert cgroups.create(Limits()) is None
        assert cgroups.create(Limits()) is None
    warnings = [r.getMessage() for r in caplog.records if r.name == cgroups.__name__]
    assert len(warnings) == 1 and "NOT enforced" in warnings[0]


@pytest.mark.skipif(os.geteuid() != 0, reason="cgroups are only used as root")
def test_v2_settings_on_a_delegated_unified_tree(tmp_path, monkeypatch):
    """A stand-in v2 tree of plain files: what is written where, and the joining shell."""
    unified = tmp_path / "unified"
    unified.mkdir()
    for name, text in (("cgroup.controllers", "cpu memory pids"), ("cgroup.procs", ""),
                       ("cgroup.subtree_control", "cpu memory pids")):
        (unified / name).write_text(text)
    monkeypatch.setattr(cgroups, "CGROUP_ROOT", tmp_path)
    cgroups.detect.cache_clear()
    try:
        assert cgroups.detect() == ("v2", unified)
        group = cgroups.create(Limits(memory_per_submission=300 * MiB, processes=33))
    finally:
        cgroups.detect.cache_clear()
    folder, = group.folders
    assert folder.parent == unified / cgroups.PARENT_NAME
    assert (folder.parent / "cgroup.subtree_control").read_text() == "+memory +pids +cpu"
    assert [(folder / name).read_text() for name in ("memory.max", "pids.max", "cpu.weight")] \
        == [str(300 * MiB), "33", "100"]
    joined = subprocess.run(group.wrap(["sh", "-c", "echo $$"]), capture_output=True,
                            text=True, check=True)
    assert (folder / "cgroup.procs").read_text().split() == joined.stdout.split()


def write_notebook(job, *sources):
    (job / "toy").mkdir(parents=True)
    (job / "in").mkdir()
    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, job / "in" / "probe.ipynb")


@pytest.mark.slow
def test_without_cgroups_the_notebook_runs_with_rlimits_only(no_cgroups, tmp_path):
    write_notebook(tmp_path / "job", "print(6 * 7)")
    executed, status = run_notebook(tmp_path / "job", "toy", "probe",
                                    Limits(seconds_per_notebook=60), "rlimits")
    assert status["cgroup"] is None and not status["memory_limit_reached"]
    assert executed["cells"][0]["outputs"][0]["text"] == "42\n"


@pytest.mark.slow
def test_a_notebook_over_the_submission_memory_is_reported(real_cgroups, tmp_path):
    """RLIMIT_AS (2 GiB) allows the 700 MiB block; the group's 500 MiB does not."""
    write_notebook(tmp_path / "job", "block = b'x' * (700 * 1024 ** 2)", "print('after')")
    limits = Limits(seconds_per_notebook=60, memory_bytes=2048 * MiB,
                    memory_per_submission=500 * MiB)
    executed, status = run_notebook(tmp_path / "job", "toy", "probe", limits, "rlimits")
    assert status["cgroup"] in ("v1", "v2")
    assert status["memory_limit_reached"] and status["kernel_died"]
    assert executed["cells"][1]["outputs"][0]["ename"] == "NotRun"
    nb = nbformat.from_dict(executed)
    lines = describe_run("probe", status, nb, limits)
    assert "probe.ipynb: the memory limit of the submission (500 MiB, all its processes " \
           "together) was reached: the system killed one of its processes" in lines
