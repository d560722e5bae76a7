"""Write a generated folder so that no reader ever sees it half-written.

Both generated datasets (``cs_utils.synthetic`` and ``cs_utils.synthetic_captions``)
are made on first use, possibly by several processes at once (parallel tests, grading
workers). Each process writes into a temporary folder of its own next to the final
one and renames it into place; whoever comes second uses the finished folder.
"""

import os
import shutil
import tempfile
import time
from pathlib import Path


def write_folder_atomically(final, write, is_done):
    """Return ``final``, first writing it with ``write`` unless ``is_done()`` holds.

    Inputs:
    - final: Path of the folder to make.
    - write: function ``write(folder)`` that fills an empty folder.
    - is_done: function ``is_done() -> bool``: True when ``final`` is complete and
      up to date. An incomplete or outdated folder is moved aside and replaced.

    Temporary folders that a killed writer left behind (older than ten minutes) are
    removed on the way.
    """
    final = Path(final)
    if is_done():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(final)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; a dataset is not
    try:
        write(tmp)
        for _attempt in range(3):
            if is_done():
                return final
            if final.exists():
                move_aside(final)
            try:
                os.rename(tmp, final)
                return final
            except OSError:
                continue  # another process renamed its folder into place first
        if is_done():
            return final
        raise RuntimeError(f"could not put the generated folder in place at {final}")
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def remove_leftovers(final, older_than=600.0):
    """Delete the temporary folders of ``final`` older than ``older_than`` seconds."""
    now = time.time()
    for path in Path(final).parent.glob(f".{Path(final).name}.*-*"):
        try:
            if path.is_dir() and now - path.stat().st_mtime > older_than:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass


def move_aside(folder):
    """Rename an outdated or broken folder out of the way and delete it."""
    folder = Path(folder)
    trash = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
    try:
        os.rename(folder, trash / folder.name)
    except OSError:
        pass  # someone else moved it, or replaced it with a complete one
    shutil.rmtree(trash, ignore_errors=True)
