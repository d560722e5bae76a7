"""A control group per notebook run: total memory, process count and CPU share of one
submission, whatever number of processes it starts.

setrlimit (in ``sandbox_worker.py``) limits each process on its own; a cgroup limits
them together. Two kinds of machine are supported, found once by ``detect``::

    v1   the memory, pids and cpu hierarchies mounted under CGROUP_ROOT (one group in
         each): memory.limit_in_bytes (and memory.memsw.limit_in_bytes, so swap cannot
         dodge it), pids.max, cpu.shares
    v2   a unified hierarchy whose grader's group delegates memory, pids and cpu:
         memory.max, memory.swap.max = 0, pids.max, cpu.weight

Groups are made below the grader's own group (so any limit the grader runs under still
holds), in a common folder ``cs-autograde/`` with one child per run, named
``<grader pid>-<random>``. A child whose grader is gone is a leftover of a killed run:
the next run kills what is left in it and removes it.

The run's first process joins the group before it executes anything: ``wrap`` puts a
``sh`` in front of the command that writes its own pid into each ``cgroup.procs`` and
then execs the command, so nothing the submission starts is ever outside the group.
(A ``preexec_fn`` would do the same but is unsafe in a grader that runs jobs on threads;
writing the pid after ``Popen`` would race with the first fork.)

Without root and writable controllers ``detect`` returns None, logs one line, and runs
go on with setrlimit alone.
"""

import functools
import logging
import os
import secrets
import signal
import time
from pathlib import Path

LOG = logging.getLogger(__name__)

CGROUP_ROOT = Path("/sys/fs/cgroup")
PARENT_NAME = "cs-autograde"
V1_CONTROLLERS = ("memory", "pids", "cpu")  # v2 needs the same three, delegated
KILL_ROUNDS = 50


@functools.lru_cache(maxsize=None)
def detect():
    """("v1", {controller: parent folder}) or ("v2", parent folder) where this grader
    may create groups, or None (logged once) when cgroups cannot be used here."""
    found, reason = _detect()
    if found is None:
        LOG.warning("no cgroups (%s): total memory, process count and CPU share per "
                    "submission are NOT enforced, only the per-process limits", reason)
    return found


def _own_groups():
    """{controller or "": path of this process's group} from /proc/self/cgroup."""
    groups = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return groups
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            groups[name] = path
    return groups


def _parent_in(mount, own_path):
    """The grader's own group inside ``mount``, or the mount's top when the grader's
    group is not visible there (a container that mounts its own group as the top)."""
    own = mount / own_path.lstrip("/")
    return own if own_path and own.is_dir() else mount


def _usable(folder):
    """A cgroup folder this process may create groups in."""
    return (folder / "cgroup.procs").is_file() and os.access(folder, os.W_OK | os.X_OK)


def _detect():
    if os.geteuid() != 0:
        return None, "not root"
    own = _own_groups()
    mounts = {name: CGROUP_ROOT / name for name in V1_CONTROLLERS}
    if all((mounts[name] / "cgroup.procs").is_file() for name in V1_CONTROLLERS):
        parents = {name: _parent_in(mounts[name], own.get(name, "")) for name in V1_CONTROLLERS}
        closed = [str(parents[name]) for name in V1_CONTROLLERS if not _usable(parents[name])]
        if closed:
            return None, f"cgroup v1 groups not writable: {', '.join(closed)}"
        return ("v1", parents), None
    for unified in (CGROUP_ROOT / "unified", CGROUP_ROOT):
        if not (unified / "cgroup.controllers").is_file():
            continue
        parent = _parent_in(unified, own.get("", ""))
        delegated = _read(parent / "cgroup.subtree_control").split()
        if all(name in delegated for name in V1_CONTROLLERS) and _usable(parent):
            return ("v2", parent), None
        return None, (f"cgroup v2 at {unified} does not delegate memory, pids and cpu "
                      f"to {parent}")
    return None, f"no memory, pids and cpu controllers under {CGROUP_ROOT}"


class RunGroup:
    """The cgroup(s) of one notebook run; made by ``create``, gone after ``remove``.

    ``folders`` holds one folder per hierarchy (three for v1, one for v2).
    """

    def __init__(self, version, folders):
        self.version = version
        self.folders = folders

    def wrap(self, command):
        """``command`` preceded by a shell that joins the group, then execs it."""
        procs = [str(folder / "cgroup.procs") for folder in self.folders]
        script = ('n=$1; shift; while [ "$n" -gt 0 ]; do '
                  'echo $$ > "$1" || exit 125; shift; n=$((n - 1)); done; exec "$@"')
        return ["/bin/sh", "-c", script, "sh", str(len(procs)), *procs, *command]

    def memory_limit_reached(self):
        """Whether the kernel killed a process of the run for the group's memory limit."""
        folder = self.folders[0]
        name = "memory.oom_control" if self.version == "v1" else "memory.events"
        counts = dict(line.split() for line in _read(folder / name).splitlines()
                      if len(line.split()) == 2)
        if "oom_kill" in counts:
            return int(counts["oom_kill"]) > 0
        return self.version == "v1" and int(_read(folder / "memory.failcnt") or 0) > 0

    def pids(self):
        found = set()
        for folder in self.folders:
            found.update(int(pid) for pid in _read(folder / "cgroup.procs").split())
        return found

    def kill_all(self):
        """SIGKILL every process in the group until none is left (forks included)."""
        if (self.folders[0] / "cgroup.kill").exists():  # v2, Linux 5.14+: all at once
            _write(self.folders[0] / "cgroup.kill", 1)
        for _ in range(KILL_ROUNDS):
            pids = self.pids()
            if not pids:
                return True
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)
        return not self.pids()

    def remove(self):
        """Kill what is left and remove the group's folders (logged if one stays)."""
        self.kill_all()
        for folder in self.folders:
            for _ in range(KILL_ROUNDS):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # busy: a killed process is not reaped yet
                    time.sleep(0.02)
            else:
                LOG.warning("could not remove cgroup %s", folder)


def _read(path):
    try:
        return path.read_text()
    except OSError:
        return ""


def _write(path, value):
    with open(path, "w") as handle:
        handle.write(str(value))


def _owner_alive(name):
    """Whether the grader that made the group ``<pid>-<random>`` still runs."""
    try:
        os.kill(int(name.split("-", 1)[0]), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def remove_stale(version, common_folders):
    """Remove the groups of graders that are gone (after killing what is left in them)."""
    names = set()
    for common in common_folders:
        if common.is_dir():
            names.update(child.name for child in common.iterdir() if child.is_dir())
    for name in sorted(names):
        if not _owner_alive(name):
            RunGroup(version, [c / name for c in common_folders if (c / name).is_dir()]).remove()


def create(limits):
    """A new RunGroup with ``limits.memory_per_submission``, ``limits.processes`` and
    ``limits.cpu_weight`` set, or None when cgroups are not available here."""
    found = detect()
    if found is None:
        return None
    version, parents = found
    name = f"{os.getpid()}-{secrets.token_hex(4)}"
    if version == "v1":
        commons = [parents[c] / PARENT_NAME for c in V1_CONTROLLERS]
    else:
        commons = [parents / PARENT_NAME]
    group = RunGroup(version, [common / name for common in commons])
    try:
        for common in commons:
            common.mkdir(exist_ok=True)
        remove_stale(version, commons)
        for folder in group.folders:
            folder.mkdir()
        if version == "v1":
            _set_v1(group.folders, limits)
        else:
            _set_v2(commons[0], group.folders[0], limits)
    except OSError as exc:
        LOG.warning("could not set up a cgroup (%s): this run has the per-process limits "
                    "only", exc)
        group.remove()
        return None
    return group


def _set_v1(folders, limits):
    memory, pids, cpu = folders
    _write(memory / "memory.limit_in_bytes", limits.memory_per_submission)
    if (memory / "memory.memsw.limit_in_bytes").exists():
        _write(memory / "memory.memsw.limit_in_bytes", limits.memory_per_submission)
    _write(pids / "pids.max", limits.processes)
    # v1 shares are 1024 for the default weight of 100.
    _write(cpu / "cpu.shares", max(2, round(limits.cpu_weight * 1024 / 100)))


def _set_v2(common, folder, limits):
    enabled = _read(common / "cgroup.subtree_control").split()
    if not all(name in enabled for name in V1_CONTROLLERS):
        _write(common / "cgroup.subtree_control", "+memory +pids +cpu")
    _write(folder / "memory.max", limits.memory_per_submission)
    if (folder / "memory.swap.max").exists():
        _write(folder / "memory.swap.max", 0)
    _write(folder / "pids.max", limits.processes)
    _write(folder / "cpu.weight", limits.cpu_weight)
