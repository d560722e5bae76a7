"""Execute one student notebook inside the grading sandbox.

This file is a script, not part of the package's import graph: the sandbox runs it as
``python sandbox_worker.py SPEC.json`` with the instructor tooling hidden, so it
imports nothing of ``cs_utils``. Steps, in order::

    read the notebook -> open the progress log -> resource limits
    -> drop to the grading uid (when root)
    -> execute with nbgrader's Execute (notebook deadline, output cap), logging each
       code cell as it starts and as it ends
    -> mark every code cell that did not run -> write the notebook and a status file

SPEC.json holds: ``notebook`` (input path), ``output`` and ``status`` (paths to write),
``progress`` (the progress log, in a folder that only the grader can write),
``cwd`` (the student's folder), ``seconds_per_notebook``, ``seconds_per_cell``,
``memory_bytes``, ``file_bytes``, ``processes``, ``output_chars`` and ``uid`` (or null);
also ``memory_per_submission`` and ``cpu_weight``, which the grader enforces outside the
sandbox with a cgroup (``cgroups.py``), not here.

Student code runs in a kernel that this process starts; both run under the limits.
A cell that never ran, because the kernel died or the notebook ran out of time, gets
an error output, so a test cell after it scores zero instead of passing on an empty
output.

The progress log is what is left when student code kills this process (``os.kill`` on
its parent): one JSON line ``{"started": index}`` before each code cell runs and
``{"finished": index, "outputs": [...], "execution_count": n}`` after it. It is opened
before the uid is dropped, so student code cannot write it; after the drop this process
is no longer dumpable, so student code of the same uid cannot reach its open files
through /proc either.
"""

import json
import math
import os
import resource
import sys
import time

NOT_RUN = "NotRun"
PR_SET_DUMPABLE = 4


def apply_limits(spec):
    """setrlimit in this process; the kernel and everything it starts inherit them."""
    cpu = int(spec["seconds_per_notebook"]) + 30
    for limit, value in ((resource.RLIMIT_AS, spec["memory_bytes"]),
                         (resource.RLIMIT_FSIZE, spec["file_bytes"]),
                         (resource.RLIMIT_NPROC, spec["processes"]),
                         (resource.RLIMIT_CPU, cpu),
                         (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(limit, (int(value), int(value)))


def drop_privileges(uid):
    """Become ``uid`` (group ``uid``, no supplementary groups): root's powers end here."""
    if uid is None or os.getuid() != 0:
        return
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise SystemExit("could not drop privileges")
    # Linux makes a process that changed uid undumpable unless fs.suid_dumpable says
    # otherwise; insist, so that the kernel (same uid) cannot open this process's files.
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def not_run_output(reason):
    from nbformat import NotebookNode
    return NotebookNode(output_type="error", ename=NOT_RUN, evalue=reason,
                        traceback=[f"{NOT_RUN}: {reason}"])


def log_progress(progress, record):
    """One line of the progress log, on disk before the cell goes on."""
    progress.write(json.dumps(record) + "\n")
    progress.flush()


def make_executor(spec, status, progress):
    """nbgrader's Execute with a notebook deadline, a cap on each cell's output and a
    progress log line before and after each code cell."""
    from nbgrader.preprocessors import Execute

    deadline = time.monotonic() + float(spec["seconds_per_notebook"])
    cap = int(spec["output_chars"])

    class SandboxExecute(Execute):
        def remaining(self):
            return deadline - time.monotonic()

        def preprocess_cell(self, cell, resources, index):
            status["cell"] = index
            if cell.cell_type != "code" or not cell.source.strip():
                return super().preprocess_cell(cell, resources, index)
            if status["timed_out"] or self.remaining() <= 0:
                status["timed_out"] = True  # no more cells: they get "not run"
                return cell, resources
            cut_by_deadline = self.remaining() < float(spec["seconds_per_cell"])
            log_progress(progress, {"started": index})
            cell, resources = super().preprocess_cell(cell, resources, index)
            log_progress(progress, {"finished": index, "outputs": cell.get("outputs", []),
                                    "execution_count": cell.get("execution_count")})
            if cut_by_deadline and any(o.get("ename") == "CellTimeoutError"
                                       for o in cell.get("outputs", [])):
                status["timed_out"], status["deadline_cell"] = True, index
            return cell, resources

        def output(self, outs, msg, display_id, cell_index):
            out = super().output(outs, msg, display_id, cell_index)
            if out is None or not outs or outs[-1] is not out:
                return out
            used = sum(output_size(o) for o in outs[:-1])
            if used + output_size(out) <= cap:
                return out
            outs.pop()
            if cell_index not in status["truncated"]:
                status["truncated"].append(cell_index)
                from nbformat import NotebookNode
                if out.output_type == "stream" and cap > used:
                    outs.append(NotebookNode(output_type="stream", name=out.name,
                                             text=out.text[:cap - used]))
                outs.append(NotebookNode(output_type="stream", name="stdout",
                                         text=f"\n... output truncated at {cap} characters ...\n"))
            return out

    return SandboxExecute(
        timeout=int(spec["seconds_per_cell"]),
        timeout_func=lambda cell: max(1, math.ceil(min(float(spec["seconds_per_cell"]),
                                                       deadline - time.monotonic()))),
        interrupt_on_timeout=True, allow_errors=True, shutdown_kernel="immediate")


def output_size(output):
    if output.get("output_type") == "stream":
        return len(output.get("text", ""))
    return sum(len(str(value)) for value in output.get("data", {}).values())


def mark_cells_not_run(nb, status):
    """Give every code cell that did not run an error output saying why."""
    if status["kernel_died"]:
        reason = ("the kernel died or stopped responding (memory limit, os._exit or a crash) "
                  "before this cell ran")
    elif status["timed_out"]:
        reason = "the notebook's time limit was reached before this cell ran"
    else:
        reason = "this cell did not run"
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        if status["kernel_died"] and index == status["cell"]:
            cell.outputs = list(cell.get("outputs", [])) + [not_run_output(
                "the kernel died or stopped responding while running this cell "
                "(memory limit, os._exit or a crash)")]
        elif cell.get("execution_count") is None and not cell.get("outputs"):
            cell.outputs = [not_run_output(reason)]


def main(spec_path):
    # nbformat's jsonschema would build rfc3987-syntax's grammar (seconds of CPU, for a
    # URI format check notebooks never use) in every run: leave that optional part out.
    sys.modules.setdefault("rfc3987_syntax", None)
    with open(spec_path) as handle:
        spec = json.load(handle)
    import nbformat
    from nbclient.exceptions import DeadKernelError

    # Read while still root: the folder holding the notebook (hidden tests included)
    # is closed to the uid that student code runs as.
    nb = nbformat.read(spec["notebook"], as_version=4)
    progress = open(spec["progress"], "w")
    apply_limits(spec)
    drop_privileges(spec.get("uid"))
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    status = {"cell": 0, "kernel_died": False, "timed_out": False, "truncated": [],
              "error": None}
    executor = make_executor(spec, status, progress)
    try:
        executor.preprocess(nb, {"metadata": {"path": spec["cwd"]}})
    except DeadKernelError:
        status["kernel_died"] = True
    except Exception as exc:  # a kernel that cannot start or stops answering, ...
        # First line only: nbclient's messages go on to quote the cell, hidden tests too.
        first_line = (str(exc).strip().splitlines() or [""])[0]
        status["error"] = f"{type(exc).__name__}: {first_line}"[:300]
        status["kernel_died"] = True
    progress.close()
    mark_cells_not_run(nb, status)
    # Written with plain json: nbformat.write would validate, and validation errors must
    # not cost the student the notebook; the coordinator validates what comes back.
    with open(spec["output"], "w") as handle:
        json.dump(nb, handle)
    with open(spec["status"], "w") as handle:
        json.dump(status, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
