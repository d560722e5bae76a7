"""One student's grading job: what the coordinator sends, what a worker sends back.

A job is self-contained (the student's files and the sanitized notebooks travel in
it), so any worker can run it: a thread of the coordinating process or a dask worker
on another machine with the same course environment installed. Steps::

    build_job (coordinator: sanitize against the gradebook)
    -> run_job (worker: a temporary folder, one sandboxed run per notebook)
    -> JobResult (executed notebooks and what happened to each)
"""

import fcntl
import functools
import os
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .course import IGNORED
from .sandbox import Limits, detect_isolation, run_notebook
from .sanitize import UngradableNotebook, sanitize


@dataclass
class GradingJob:
    """Everything a worker needs to run one student's notebooks."""

    student: str
    assignment: str
    notebooks: dict  # notebook name -> sanitized notebook (JSON text)
    files: dict  # path relative to the assignment folder -> bytes
    limits: Limits = field(default_factory=Limits)
    isolation: str = None  # None: the strongest the worker's machine offers


@dataclass
class JobResult:
    """What came back: executed notebooks (dicts, unchecked) and a status per notebook."""

    student: str
    executed: dict
    statuses: dict
    isolation: str
    seconds: float
    worker: str  # host:pid of the process that ran it
    notebook_seconds: dict = field(default_factory=dict)  # name -> wall time of its run


def submitted_files(folder):
    """path -> bytes of every file of a student's imported submission."""
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(Path(folder).rglob("*")) if path.is_file()}


def source_support_files(course, assignment):
    """Files of the instructor source that nbgrader copies into every submission:
    everything but notebooks, the student package and ignored files (data files, say)."""
    source = course.path("source", assignment.name)
    ignored = set(IGNORED(str(source), [p.name for p in source.rglob("*")]))
    files = {}
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if (not path.is_file() or path.suffix == ".ipynb" or relative.parts[0] == assignment.package
                or ignored & set(relative.parts)):
            continue
        files[relative.as_posix()] = path.read_bytes()
    return files


def build_job(course, assignment, student, config, report, limits, isolation):
    """Sanitize the student's notebooks (the release's copy of each one that is
    missing); problems go into ``report``."""
    folder = course.path("submitted", student, assignment.name)
    files = {**source_support_files(course, assignment), **submitted_files(folder)}
    notebooks = {}
    for name in assignment.notebooks:
        path = folder / f"{name}.ipynb"
        release_nb = nbformat.read(course.path("release", assignment.name, f"{name}.ipynb"),
                                   as_version=4)
        resources = {"nbgrader": {"notebook": name, "assignment": assignment.name,
                                  "student": student, "db_url": course.db_url}}
        handed_in = nbformat.read(path, as_version=4) if path.exists() else None
        try:
            nb = sanitize(handed_in, release_nb, resources, config,
                          lambda text, name=name: report.problem(f"{name}.ipynb: {text}"))
        except UngradableNotebook as exc:
            report.problem(f"{name}.ipynb: {exc}; it gets no points")
            continue
        notebooks[name] = nbformat.writes(nb)
    return GradingJob(student=student, assignment=assignment.name, notebooks=notebooks,
                      files=files, limits=limits, isolation=isolation)


_DATASET_LOCK = threading.Lock()


@functools.lru_cache(maxsize=None)
def _dataset_folder():
    """The datasets folder, with the selected dataset made ready (generated if need be):
    the sandbox sees it read-only. None when there is none (a course without data)."""
    from ..captioning import resolve_coco
    from ..data import datasets_dir, resolve_cifar10
    # Generation cannot write inside the sandbox, so both datasets are made ready here
    # (each is generated once per machine and cached).
    for resolve in (resolve_cifar10, resolve_coco):
        try:
            resolve()
        except (FileNotFoundError, OSError):
            pass
    folder = datasets_dir()
    return str(folder.resolve()) if folder.exists() else None


def dataset_folders():
    with _DATASET_LOCK:
        folder = _dataset_folder()
    return [folder] if folder else []


JOB_FOLDER_PREFIX = "cs-autograde-"
# A running job holds an exclusive flock on this file in its folder (outside what the
# sandbox sees); the kernel releases it when the process ends, however it ends.
JOB_LOCK_NAME = ".in-use"


def remove_stale_job_folders(parent=None, min_age=60.0):
    """Delete the job folders that killed graders left behind in ``parent`` (default:
    the temporary folder). A folder is stale when nobody holds its lock and it is older
    than ``min_age`` seconds (a job takes its lock right after making its folder).
    Returns the paths removed."""
    removed = []
    now = time.time()
    for folder in Path(parent or tempfile.gettempdir()).glob(JOB_FOLDER_PREFIX + "*"):
        try:
            if not folder.is_dir() or now - folder.stat().st_mtime < min_age:
                continue
            with open(folder / JOB_LOCK_NAME, "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        except OSError:
            continue  # in use (BlockingIOError), or gone meanwhile
    return removed


def run_job(job):
    """Run a job's notebooks one after the other in the sandbox; return a JobResult.

    The student's folder persists from one notebook to the next, as in nbgrader; the
    temporary folder is removed at the end, whatever happened, and a folder that a
    killed worker left behind is removed by the next job on that machine.
    """
    started = time.monotonic()
    mode = detect_isolation(job.isolation)
    remove_stale_job_folders()
    temp = Path(tempfile.mkdtemp(prefix=JOB_FOLDER_PREFIX))
    lock = open(temp / JOB_LOCK_NAME, "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        temp.chmod(0o711)
        workdir = temp / "job"
        folder = workdir / job.assignment
        folder.mkdir(parents=True)
        for relative, data in job.files.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        inbox = workdir / "in"
        inbox.mkdir(mode=0o700)
        executed, statuses, notebook_seconds = {}, {}, {}
        for name, text in job.notebooks.items():
            (inbox / f"{name}.ipynb").write_text(text)
            notebook_started = time.monotonic()
            executed[name], statuses[name] = run_notebook(
                workdir, job.assignment, name, job.limits, mode, read_only=dataset_folders())
            notebook_seconds[name] = time.monotonic() - notebook_started
            (inbox / f"{name}.ipynb").unlink()
    finally:
        shutil.rmtree(temp, ignore_errors=True)
        lock.close()
    return JobResult(student=job.student, executed=executed, statuses=statuses, isolation=mode,
                     seconds=time.monotonic() - started,
                     worker=f"{socket.gethostname()}:{os.getpid()}",
                     notebook_seconds=notebook_seconds)


def describe_run(name, status, nb, limits):
    """Report lines for one notebook's run: limits hit, crashes, cut output."""
    lines = []
    cells = nb.cells if nb is not None else []

    def where(index):
        cell = cells[index] if 0 <= index < len(cells) else None
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id") if cell else None
        return f"cell {index + 1}" + (f" ({grade_id})" if grade_id else "")

    if status.get("killed"):
        lines.append(f"the run was stopped, {status['killed']}; nothing of it was graded")
    if status.get("timed_out"):
        during = f" during {where(status['deadline_cell'])}" \
            if status.get("deadline_cell") is not None else ""
        lines.append(f"the notebook's time limit ({limits.seconds_per_notebook:g} s) was "
                     f"reached{during}; cells that had not run get no points")
    if status.get("kernel_died"):
        lines.append(f"the kernel died or stopped responding during "
                     f"{where(status.get('cell', -1))} (memory limit, os._exit or a crash); "
                     f"the cells after it get no points")
    if status.get("stopped_at") is not None:
        lines.append(f"{where(status['stopped_at'])} killed the process that runs the "
                     f"notebook (os.kill on its parent process, say); the cells before it "
                     f"were graded, it and the cells after it get no points")
    if status.get("memory_limit_reached"):
        lines.append(f"the memory limit of the submission "
                     f"({limits.memory_per_submission / 1024 ** 2:g} MiB, all its processes "
                     f"together) was reached: the system killed one of its processes")
    for index in status.get("truncated", []):
        lines.append(f"output of {where(index)} was cut at {limits.output_chars} characters")
    for index, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            if output.get("ename") == "CellTimeoutError" and \
                    index != status.get("deadline_cell"):
                lines.append(f"{where(index)} hit the per-cell time limit "
                             f"({limits.seconds_per_cell:g} s)")
            elif output.get("ename") == "SystemExit":
                lines.append(f"{where(index)} called sys.exit() (or raised SystemExit): in "
                             f"a notebook that stops only the cell, so the rest of that "
                             f"cell did not run and it counts as failed")
            elif output.get("ename") == "MemoryError":
                lines.append(f"{where(index)} ran out of memory (limit "
                             f"{limits.memory_bytes / 1024 ** 3:g} GiB per process)")
    if status.get("error") and not status.get("killed"):
        lines.append(f"the sandbox reported: {status['error'].splitlines()[0][:300]}")
    return [f"{name}.ipynb: {line}" for line in lines]

