"""Make a submitted notebook ready to run, and check an executed one before grading.

Both run in the coordinating process; no student code runs here. Before running::

    restore each graded cell's nbgrader metadata from the release
    -> nbgrader's sanitize steps: ClearOutput, DeduplicateIds, OverwriteKernelspec,
       OverwriteCells (test cells restored, missing ones put back), CheckCellMetadata

After running, ``check_executed`` refuses a notebook whose graded cells came back
different from the ones that were sent (which only student code could have done), and
``finish_executed`` applies the configured output filters (IgnorePattern, LimitOutput).
"""

import copy
import uuid

import nbformat
from nbgrader.nbgraderformat import ValidationError
from nbgrader.preprocessors import (CheckCellMetadata, ClearOutput, DeduplicateIds,
                                    IgnorePattern, LimitOutput, OverwriteCells,
                                    OverwriteKernelspec)
from nbgrader.utils import compute_checksum

SANITIZE_STEPS = (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
                  CheckCellMetadata)
FINISH_STEPS = (IgnorePattern, LimitOutput)


class UngradableNotebook(ValueError):
    """The notebook cannot be graded at all; the message says why, for the report."""


def graded_cells(nb):
    """grade_id -> cell, for every cell with nbgrader metadata and a grade id."""
    return {cell.metadata["nbgrader"]["grade_id"]: cell for cell in nb.cells
            if cell.metadata.get("nbgrader", {}).get("grade_id")}


def restore_metadata(nb, release_nb, problem):
    """Give each cell the nbgrader metadata its grade id has in the release.

    A student may flip ``grade``, ``locked`` or ``points``, or invent grade ids;
    nbgrader restores sources and points but not every flag, so the whole metadata is
    taken from the release. Cells with an unknown grade id lose their metadata.
    """
    released = graded_cells(release_nb)
    for cell in nb.cells:
        grading = cell.metadata.get("nbgrader")
        if not grading:
            continue
        grade_id = grading.get("grade_id")
        if grade_id not in released:
            del cell.metadata["nbgrader"]
            problem(f"cell with unknown grade id {grade_id!r}: its nbgrader metadata was "
                    f"dropped")
            continue
        original = released[grade_id].metadata["nbgrader"]
        if {k: v for k, v in grading.items() if k != "checksum"} != \
                {k: v for k, v in original.items() if k != "checksum"}:
            problem(f"cell {grade_id}: nbgrader metadata was changed; the release's was "
                    f"restored")
        cell.metadata["nbgrader"] = copy.deepcopy(original)


def report_test_cell_changes(nb, release_nb, problem):
    """Name the locked cells whose source differs and the graded cells that are gone."""
    present = graded_cells(nb)
    for grade_id, original in graded_cells(release_nb).items():
        grading = original.metadata["nbgrader"]
        cell = present.get(grade_id)
        if cell is None:
            if grading.get("grade") or grading.get("locked"):
                problem(f"cell {grade_id} was missing (deleted, or its metadata removed); "
                        f"it was put back from the release")
        elif grading.get("locked") and compute_checksum(cell) != grading.get("checksum"):
            problem(f"cell {grade_id} was changed; the release's cell was restored")


def sanitize(nb, release_nb, resources, config, problem):
    """The notebook as nbgrader will run it, with the instructor's test cells.

    ``resources`` is nbgrader's dict: {"nbgrader": {"notebook", "assignment", "student",
    "db_url"}}. Raises UngradableNotebook when the metadata cannot be repaired.
    """
    nb = copy.deepcopy(nb)
    restore_metadata(nb, release_nb, problem)
    report_test_cell_changes(nb, release_nb, problem)
    try:
        return _run_steps(copy.deepcopy(nb), resources, config, add_missing_cells=True)
    except KeyError:
        # nbgrader finds no place for a missing cell whose neighbour is missing too.
        problem("a missing graded cell could not be put back; it gets no points")
        return _run_steps(nb, resources, config, add_missing_cells=False)


def _run_steps(nb, resources, config, add_missing_cells):
    steps = [step(config=config) for step in SANITIZE_STEPS]
    for step in steps:
        if isinstance(step, OverwriteCells):
            step.add_missing_cells = add_missing_cells
    try:
        for step in steps:
            nb, resources = step.preprocess(nb, resources)
    except (ValidationError, RuntimeError, ValueError) as exc:
        raise UngradableNotebook(f"its nbgrader metadata cannot be repaired ({exc})") \
            from None
    if (nb.nbformat, nb.nbformat_minor) >= (4, 5):
        for cell in nb.cells:  # cells nbgrader put back have no id
            cell.setdefault("id", uuid.uuid4().hex[:8])
    return nb


def check_executed(executed, sent):
    """The executed notebook (a dict from the sandbox) as a NotebookNode, if its graded
    cells are the ones that were sent; else UngradableNotebook."""
    try:
        nb = nbformat.from_dict(executed)
        cells = graded_cells(nb)
    except (AttributeError, KeyError, TypeError) as exc:
        raise UngradableNotebook(f"the executed notebook is malformed ({exc})") from None
    expected = graded_cells(sent)
    if set(cells) != set(expected) or len(cells) != sum(
            1 for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")):
        raise UngradableNotebook("graded cells were added or removed while it ran")
    for grade_id, cell in cells.items():
        original = expected[grade_id]
        if cell.metadata["nbgrader"] != original.metadata["nbgrader"] or \
                cell.source != original.source or cell.cell_type != original.cell_type:
            raise UngradableNotebook(f"cell {grade_id} was altered while the notebook ran")
    return nb


def finish_executed(nb, config, resources):
    """The output filters nbgrader applies before taking the grades."""
    for step in FINISH_STEPS:
        nb, resources = step(config=config).preprocess(nb, resources)
    return nb
