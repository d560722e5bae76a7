"""Job folders: a killed grader's leftovers are cleaned up, a running job's never."""

import fcntl
import os
import subprocess
import sys
import time

from cs_utils.instructor.jobs import JOB_FOLDER_PREFIX, JOB_LOCK_NAME, remove_stale_job_folders


def job_folder(parent, name, age, lock_file=True):
    """A job folder as run_job makes it, last changed ``age`` seconds ago."""
    folder = parent / (JOB_FOLDER_PREFIX + name)
    (folder / "job").mkdir(parents=True)
    (folder / "job" / "notebook.ipynb").write_text("{}")
    if lock_file:
        (folder / JOB_LOCK_NAME).write_text("")
    then = time.time() - age
    os.utime(folder, (then, then))
    return folder


def test_only_unlocked_old_folders_are_removed(tmp_path):
    stale = job_folder(tmp_path, "stale", age=3600)  # its grader died: nobody holds it
    no_lock_file = job_folder(tmp_path, "killed-early", age=3600, lock_file=False)
    running = job_folder(tmp_path, "running", age=3600)
    fresh = job_folder(tmp_path, "fresh", age=0)     # just made, lock not yet taken
    other = tmp_path / "not-a-job"
    other.mkdir()
    with open(running / JOB_LOCK_NAME, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        removed = remove_stale_job_folders(tmp_path, min_age=60)
        assert running.exists()
    assert sorted(removed) == sorted([stale, no_lock_file])
    assert not stale.exists() and not no_lock_file.exists()
    assert fresh.exists() and other.exists()


def test_a_killed_process_releases_its_folder(tmp_path):
    folder = job_folder(tmp_path, "worker", age=3600)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, sys, time\n"
         f"lock = open({str(folder / JOB_LOCK_NAME)!r}, 'w')\n"
         "fcntl.flock(lock, fcntl.LOCK_EX)\n"
         "print('locked', flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert remove_stale_job_folders(tmp_path, min_age=60) == []
        holder.kill()
        holder.wait(timeout=10)
        assert remove_stale_job_folders(tmp_path, min_age=60) == [folder]
        assert not folder.exists()
    finally:
        holder.kill()
        holder.stdout.close()
