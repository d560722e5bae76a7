"""An nbgrader course folder managed by the tooling, and how nbgrader is run in it.

Layout (nbgrader's own)::

    <course>/nbgrader_config.py     copied from the repository's nbgrader_config.py
    <course>/gradebook.db           the gradebook (SQLite; or any SQLAlchemy URL given
                                    as ``database``, e.g. postgresql://...)
    <course>/source/<assignment>/   the instructor source, copied from the repository
    <course>/release/<assignment>/  nbgrader's student version (its .py files stripped
                                    by the hook in nbgrader_hooks.py)
    <course>/submitted/<student>/<assignment>/
    <course>/autograded/...  <course>/feedback/...
    <course>/reports/<assignment>/<student>.txt   what the tooling noticed per student
"""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..assignments import REPO_ROOT

DEFAULT_COURSE_DIR = REPO_ROOT / "grading"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.pkl",
                                 "*.npz", "*.npy", "*_submission.zip")


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message holds the end of its log."""


@dataclass(frozen=True)
class Course:
    root: Path
    database: str = None  # SQLAlchemy URL of the gradebook; None: <root>/gradebook.db

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root).resolve())

    def path(self, *parts):
        return self.root.joinpath(*parts)

    @property
    def db_url(self):
        return self.database or f"sqlite:///{self.path('gradebook.db')}"

    def config(self):
        """The course's nbgrader configuration (its nbgrader_config.py) as a Config."""
        from traitlets.config.loader import PyFileConfigLoader
        config = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        config.CourseDirectory.root = str(self.root)
        config.CourseDirectory.db_url = self.db_url
        return config

    def prepare(self, assignments):
        """Create the folder (private to its owner) and write its nbgrader_config.py.

        The file is the repository's nbgrader_config.py plus one setting that depends
        on the assignments: nbgrader replaces every non-notebook file of a submission
        with the instructor's copy unless told not to, and the student packages must
        be graded as the students wrote them.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        # Submissions, hidden tests and the gradebook live here: no other user reads them
        # (student code runs as a uid of its own, see sandbox.py).
        self.root.chmod(0o700)
        keep = {a.name: sorted(p.relative_to(a.folder).as_posix()
                               for p in (a.folder / a.package).rglob("*.py")
                               if "__pycache__" not in p.parts)
                for a in assignments}
        config = (REPO_ROOT / "nbgrader_config.py").read_text()
        config += ("\n# Written by cs_utils.instructor.course for this course folder.\n"
                   f"c.Autograde.exclude_overwriting = {keep!r}\n")
        if self.database:
            config += f"c.CourseDirectory.db_url = {self.database!r}\n"
        self.path("nbgrader_config.py").write_text(config)
        return self

    def copy_source(self, assignment):
        """Copy an assignment's instructor source into ``source/``."""
        target = self.path("source", assignment.name)
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(assignment.folder, target, ignore=IGNORED)
        return target

    def nbgrader(self, *args, timeout=None, check=True):
        """Run an nbgrader command in the course folder; returns the CompletedProcess."""
        env = dict(os.environ)
        env.pop("NBGRADER_EXECUTION", None)
        # Grading runs one kernel at a time next to other work: one BLAS thread per
        # kernel keeps small matrix products from fighting over the cores.
        for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(variable, "1")
        # nbgrader runs the `alembic` script of its environment by name.
        bin_dir = str(Path(sys.executable).parent)
        env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
        proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=self.root,
                              env=env, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            log = (proc.stdout + proc.stderr)[-4000:]
            raise NbgraderError(f"nbgrader {' '.join(args)} failed "
                                f"(exit {proc.returncode}):\n{log}")
        return proc
