"""Run one student notebook in isolation: the strongest mode this machine offers.

Modes, strongest first (``detect_isolation`` finds which works; ``COURSE_SANDBOX``
asks for a weaker one)::

    bwrap+uid   root and bubblewrap: new mount, PID, network, IPC and UTS namespaces;
                the filesystem holds only the system, Python, the shared course code
                (without the instructor tooling), the dataset, read-only, and the
                student's own folder; student code runs as a uid of its own, no
                capabilities, under resource limits.
    bwrap       bubblewrap in a user namespace (not root): the same view of the
                filesystem and the same namespaces, as the instructor's own uid.
    uid         root without bubblewrap: a uid of its own per submission, a private
                folder (0700) and resource limits; files that every user may read stay
                readable (the course folder is made private, the rest is not).
    rlimits     neither: resource limits, a clean environment and a temporary folder.

In every mode: a clean environment (``ALLOWED_ENV`` and a few fixed values), a wall-clock
limit per notebook (``Limits.seconds_per_notebook``, with every process of the run
killed a grace period after it), and setrlimit on address space (memory), file size,
processes and CPU time, applied by ``sandbox_worker.py`` before any student code runs.
Where root may create cgroups (``cgroups.py``), whatever the mode, the run also gets a
group of its own: total memory and process count of the submission, and a CPU share
equal to that of every other submission graded at the same time.

Folder of one submission's job (``job``), and where the sandbox sees it::

    job/<assignment>/   the student's files, read-write      /sandbox/<assignment>
    job/in/             the notebook to run and its spec, ro  /sandbox/in
    job/out/            the executed notebook and status      /sandbox/out
    job/progress/       the worker's progress log (the grader's
                        uid only; see sandbox_worker.py)      /sandbox/progress
    job/home/           HOME of the student code              /sandbox/home
    job/worker.log      what the worker printed               (not in the sandbox)

When student code kills the worker (``os.kill`` on its parent), the notebook is put
together from the progress log: the cells that finished keep their outputs, the cell
that was running is named in the status (``stopped_at``) and gets no points, and so do
the cells after it.
"""

import functools
import json
import logging
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat

from . import cgroups
from .sandbox_worker import not_run_output

LOG = logging.getLogger(__name__)

MODES = ("bwrap+uid", "bwrap", "uid", "rlimits")
WORKER = Path(__file__).with_name("sandbox_worker.py")
SANDBOX_ROOT = Path("/sandbox")
# Variables of the grader's environment that student code may see; everything else
# (tokens, database URLs, cloud credentials) is dropped.
ALLOWED_ENV = ("LANG", "LC_ALL", "TZ", "COURSE_DATASET", "COURSE_QUICK", "COURSE_FAST_LAYERS",
               "COURSE_DATA_DIR")
# Fresh uids for sandboxed runs: far above any user a system creates.
UID_RANGE = (3_000_000, 3_900_000)
GRACE_SECONDS = 30


class SandboxError(RuntimeError):
    """The requested isolation is not available here."""


@dataclass(frozen=True)
class Limits:
    """What one notebook's run may use.

    ``memory_bytes`` is per process (RLIMIT_AS: a clean MemoryError in Python);
    ``processes`` is the per-uid RLIMIT_NPROC. Where cgroups are available the run as a
    whole is held to ``memory_per_submission`` bytes, ``processes`` tasks (threads count)
    and a CPU share of ``cpu_weight`` (1 to 10000; every run has the default 100).
    """

    seconds_per_notebook: float = 600
    seconds_per_cell: float = 300
    memory_bytes: int = 4 * 1024 ** 3
    memory_per_submission: int = 4 * 1024 ** 3
    file_bytes: int = 256 * 1024 ** 2
    processes: int = 256
    cpu_weight: int = 100
    output_chars: int = 200_000

    def __post_init__(self):
        for name, value in asdict(self).items():
            if not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive number, got {value!r}")
        if not 1 <= self.cpu_weight <= 10_000:
            raise ValueError(f"Limits.cpu_weight must be between 1 and 10000, "
                             f"got {self.cpu_weight!r}")


def _bwrap_works(user_namespace):
    """Whether bubblewrap starts a sandbox here (it needs namespaces the host may deny)."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return False
    probe = [bwrap, "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net",
             "--unshare-ipc", "--die-with-parent", "true"]
    if user_namespace:
        probe.insert(1, "--unshare-user")
    try:
        return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _reachable_by_others(path):
    """Whether any user may traverse to ``path`` (every folder above it is o+x)."""
    return all(os.stat(folder).st_mode & stat.S_IXOTH for folder in Path(path).parents)


@functools.lru_cache(maxsize=None)
def _strongest_available():
    root = os.geteuid() == 0
    if _bwrap_works(user_namespace=not root):
        return "bwrap+uid" if root else "bwrap"
    # Without bubblewrap a fresh uid sees the real filesystem: it must reach Python.
    python_reachable = all(_reachable_by_others(p / "lib") for p in _python_roots())
    if root and not python_reachable:
        LOG.warning("bubblewrap is not usable and Python (%s) is not readable by other "
                    "users: student code runs as root's uid", sys.base_prefix)
    return "uid" if root and python_reachable else "rlimits"


def detect_isolation(requested=None):
    """The isolation mode to use: ``requested`` (or $COURSE_SANDBOX) if it is available,
    else the strongest available. Asking for a mode stronger than available fails."""
    requested = requested or os.environ.get("COURSE_SANDBOX") or None
    best = _strongest_available()
    if requested is None:
        return best
    if requested not in MODES:
        raise SandboxError(f"unknown isolation mode {requested!r}; one of {', '.join(MODES)}")
    if MODES.index(requested) < MODES.index(best):
        raise SandboxError(f"isolation {requested!r} is not available here; the strongest "
                           f"available is {best!r} ({describe_isolation(best)})")
    return requested


def describe_isolation(mode):
    """One line for the log: what the mode enforces and what it does not."""
    return {
        "bwrap+uid": "bubblewrap namespaces, minimal read-only filesystem, a uid per "
                     "submission, resource limits",
        "bwrap": "bubblewrap in a user namespace, minimal read-only filesystem, resource "
                 "limits; student code keeps the grader's uid inside the sandbox",
        "uid": "WEAKER: a uid per submission and resource limits; bubblewrap is missing, "
               "so files readable by every user stay readable",
        "rlimits": "WEAKEST: resource limits and a clean environment only; not root and "
                   "no bubblewrap, so student code can read what the grader can",
    }[mode]


def fresh_uid():
    return random.randrange(*UID_RANGE)


def clean_env(home, extra_path=()):
    """The whole environment of the sandboxed process."""
    env = {name: os.environ[name] for name in ALLOWED_ENV if name in os.environ}
    bin_dir = str(Path(sys.executable).parent)
    env.update({
        "PATH": os.pathsep.join([*extra_path, bin_dir, "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(home), "USER": "student", "LOGNAME": "student",
        "TMPDIR": str(home / "tmp"), "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(home / "mpl"),
        "IPYTHONDIR": str(home / "ipython"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_PLATFORM_DIRS": "1", "NBGRADER_EXECUTION": "autograde",
        "PYTHONDONTWRITEBYTECODE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    })
    env.setdefault("LANG", "C.UTF-8")
    return env


def _python_roots():
    """Folders the interpreter and its packages live in (read-only in the sandbox)."""
    return sorted({Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()})


def _course_code():
    """The shared course package and, in it, the instructor tooling to hide."""
    import cs_utils
    package = Path(cs_utils.__file__).resolve().parent
    return package, package / "instructor"


def bwrap_command(job, assignment_name, read_only, user_namespace):
    """The bubblewrap arguments that build the sandbox's filesystem and namespaces."""
    args = [shutil.which("bwrap"), "--die-with-parent", "--new-session",
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--hostname", "sandbox", "--proc", "/proc", "--dev", "/dev",
            "--perms", "1777", "--tmpfs", "/tmp"]
    if user_namespace:
        args.insert(1, "--unshare-user")
    made = {Path("/"), Path("/tmp"), Path("/proc"), Path("/dev")}

    def parents(path):
        # bwrap creates missing parents as 0700: make them traversable for the uid.
        for parent in reversed(path.parents):
            if parent not in made:
                args.extend(["--perms", "0755", "--dir", str(parent)])
                made.add(parent)
        made.add(path)

    for name in ("usr", "bin", "lib", "lib64", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            args.extend(["--symlink", os.readlink(path), str(path)])
            made.add(path)
        elif path.exists():
            args.extend(["--ro-bind", str(path), str(path)])
            made.add(path)
    for path in ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives"):
        if os.path.exists(path):
            parents(Path(path))
            args.extend(["--ro-bind", path, path])
    package, instructor = _course_code()
    bound = [Path("/usr")]
    for path in [*_python_roots(), package, *map(Path, read_only)]:
        if any(path == b or b in path.parents for b in bound):
            continue
        parents(path)
        args.extend(["--ro-bind", str(path), str(path)])
        bound.append(path)
    if instructor.exists():
        args.extend(["--tmpfs", str(instructor)])
    inside = SANDBOX_ROOT
    args.extend(["--perms", "0755", "--dir", str(inside),
                 "--bind", str(job / assignment_name), str(inside / assignment_name),
                 "--ro-bind", str(job / "in"), str(inside / "in"),
                 "--bind", str(job / "out"), str(inside / "out"),
                 "--bind", str(job / "progress"), str(inside / "progress"),
                 "--bind", str(job / "home"), str(inside / "home"),
                 "--ro-bind", str(WORKER), str(inside / "worker.py"),
                 "--chdir", str(inside / assignment_name), "--clearenv"])
    return args, inside


def prepare_job_folders(job, assignment_name, uid):
    """Create in/, out/, progress/ and home/; hand the student's folder, out/ and home/
    to ``uid``.

    ``job`` itself stays the grader's (0711): the uid cannot rename or replace the
    folders in it, only write inside its own. progress/ stays the grader's (0700).
    """
    for name in ("in", "out", "home", "home/tmp"):
        (job / name).mkdir(parents=True, exist_ok=True)
    (job / "progress").mkdir(mode=0o700, exist_ok=True)
    if uid is None:
        return
    job.chmod(0o711)
    for top in (job / assignment_name, job / "out", job / "home"):
        for path in [top, *top.rglob("*")]:
            os.chown(path, uid, uid, follow_symlinks=False)


def run_notebook(job, assignment_name, notebook, limits, mode, read_only=(), log=None):
    """Execute ``job/<assignment>/<notebook>.ipynb`` (already sanitized, in ``job/in``)
    in the sandbox. Returns (executed notebook as a dict or None, status dict).

    The status holds the worker's findings (``kernel_died``, ``timed_out``,
    ``truncated``, ``error``), ``killed`` when the run was stopped from outside,
    ``stopped_at`` (the index of the cell during which the worker itself was killed),
    ``cgroup`` ("v1", "v2" or None when the run had none) and ``memory_limit_reached``
    (the kernel killed a process for the submission's total memory).
    """
    log = log or LOG.info
    job = Path(job)
    uid = fresh_uid() if mode in ("bwrap+uid", "uid") else None
    prepare_job_folders(job, assignment_name, uid)
    if mode.startswith("bwrap"):
        prefix, inside = bwrap_command(job, assignment_name, read_only,
                                       user_namespace=(mode == "bwrap"))
    else:
        prefix, inside = [], job
    spec = {"notebook": str(inside / "in" / f"{notebook}.ipynb"),
            "output": str(inside / "out" / f"{notebook}.ipynb"),
            "status": str(inside / "out" / f"{notebook}.status.json"),
            "progress": str(inside / "progress" / f"{notebook}.jsonl"),
            "cwd": str(inside / assignment_name), "uid": uid, **asdict(limits)}
    (job / "in" / f"{notebook}.spec.json").write_text(json.dumps(spec))
    (job / "out" / f"{notebook}.ipynb").unlink(missing_ok=True)
    (job / "progress" / f"{notebook}.jsonl").unlink(missing_ok=True)
    worker = str(inside / "worker.py") if mode.startswith("bwrap") else str(WORKER)
    env = clean_env(inside / "home")
    if mode.startswith("bwrap"):
        env_args = [arg for name, value in env.items() for arg in ("--setenv", name, value)]
        command = [*prefix, *env_args, "--", sys.executable, worker,
                   str(inside / "in" / f"{notebook}.spec.json")]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    else:
        command = [sys.executable, worker, str(job / "in" / f"{notebook}.spec.json")]
    group = cgroups.create(limits)
    status = {"killed": None, "cgroup": group.version if group else None,
              "memory_limit_reached": False, "stopped_at": None}
    timeout = limits.seconds_per_notebook + GRACE_SECONDS
    log_path = job / "worker.log"
    try:
        # The worker's output goes to a file and the wait is on the worker itself:
        # processes it leaves behind (the kernel of a killed worker) may hold a pipe
        # open until the time limit.
        with open(log_path, "wb") as worker_log:
            proc = subprocess.Popen(group.wrap(command) if group else command,
                                    cwd=job / assignment_name, env=env, stdout=worker_log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            status["killed"] = f"still running {timeout:g} s after it started"
        finally:
            _kill_everything(proc, uid, group)
        status["memory_limit_reached"] = bool(group and group.memory_limit_reached())
    finally:
        if group:
            group.remove()
    status["exit_code"] = proc.returncode
    status["log"] = _tail(log_path, 4000)
    status_file = job / "out" / f"{notebook}.status.json"
    executed = None
    try:
        status.update(json.loads(_read_limited(status_file, 1_000_000)))
        executed = json.loads(_read_limited(job / "out" / f"{notebook}.ipynb",
                                            limits.file_bytes))
    except (OSError, ValueError) as exc:
        executed = None if status["killed"] else _from_progress(job, notebook, status,
                                                                 limits.file_bytes)
        if executed is None:
            last = " | ".join(status["log"].strip().splitlines()[-3:])
            status["error"] = status.get("error") or \
                f"no result from the sandbox ({exc}); its last words: {last or 'none'}"
    return executed, status


def _tail(path, size):
    """The last ``size`` bytes of a file, as text ('' if there is none)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, os.path.getsize(path) - size))
            return handle.read().decode(errors="replace")
    except OSError:
        return ""


def _from_progress(job, notebook, status, cap):
    """The notebook as far as it ran, from the progress log of a worker that was killed
    (None without a log): finished cells keep their outputs, the cell that was running
    and every code cell after it get an error output, and ``status["stopped_at"]`` names
    the cell that was running."""
    try:
        lines = _read_limited(job / "progress" / f"{notebook}.jsonl", cap).splitlines()
        nb = nbformat.read(job / "in" / f"{notebook}.ipynb", as_version=4)
    except (OSError, ValueError):
        return None
    cells, running, finished = nb["cells"], None, -1
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            break  # the line the worker was writing when it died
        if "started" in record:
            running = record["started"]
        elif record.get("finished") == running and 0 <= running < len(cells):
            cells[running]["outputs"] = record["outputs"]
            cells[running]["execution_count"] = record["execution_count"]
            running, finished = None, running
    if running is None:  # killed between two cells (by a thread, say): the next one
        running = next((index for index in range(finished + 1, len(cells))
                        if _runs(cells[index])), None)
    if running is None or not 0 <= running < len(cells):
        return None
    status["stopped_at"] = running
    stopped = ("the process running this notebook was killed while this cell ran (by the "
               "cell's own code, for example os.kill on its parent process)")
    cells[running]["outputs"] = [not_run_output(stopped)]
    for cell in cells[running + 1:]:
        if _runs(cell):
            cell["outputs"] = [not_run_output(
                "the notebook stopped before this cell ran: an earlier cell killed the "
                "process running it")]
    return nb


def _runs(cell):
    return cell["cell_type"] == "code" and bool(cell["source"].strip())


def _read_limited(path, cap):
    """Read a file the sandbox wrote, refusing links (which could point at the grader's
    secrets) and anything larger than ``cap`` bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            raise ValueError(f"{Path(path).name} is not a plain file")
        data = handle.read(cap + 1)
    if len(data) > cap:
        raise ValueError(f"{Path(path).name} is larger than {cap} bytes")
    return data


def _kill_everything(proc, uid, group=None):
    """End the sandbox's processes: its session, its cgroup, every process of its uid."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if group is not None:
        group.kill_all()
    if uid is not None:
        # kill(-1) from a process of that uid reaches all of them, wherever they went.
        subprocess.run([shutil.which("kill") or "/bin/kill", "-9", "-1"], user=uid, group=uid,
                       extra_groups=[], env={}, capture_output=True, check=False)
    proc.wait()
