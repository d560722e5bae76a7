"""Make a submitted notebook ready to run, and check an executed one before grading.

Both run in the coordinating process; no student code runs here. Before running::

    no notebook (missing, or not a notebook at all): the release's copy instead
    -> graded cells that lost their metadata (some editors drop it) found again by
       their place and content among the release's cells
    -> restore each graded cell's nbgrader metadata from the release
    -> nbgrader's sanitize steps: ClearOutput, DeduplicateIds, OverwriteKernelspec,
       OverwriteCells (test cells restored, missing ones put back), CheckCellMetadata
    -> if nbgrader still cannot use it: the release's copy with the student's answer
       cells put in by grade id

The release's copy runs the release's test cells on the student's package, so what
depends on the package is graded; only the points of the notebook's own answer cells
are lost, and the report says so.

After running, ``check_executed`` refuses a notebook whose graded cells came back
different from the ones that were sent (which only student code could have done), and
``finish_executed`` applies the configured output filters (IgnorePattern, LimitOutput).
"""

import copy
import difflib
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


def _key(cell):
    return cell.cell_type, cell.source.strip()


def _pair_gap(release_cells, student_cells):
    """(release index, student index) pairs inside one unequal stretch of the two
    notebooks: in order, each release cell with the most similar student cell of its
    type after the previous pair."""
    pairs, start = [], 0
    for i, cell in release_cells:
        options = [k for k in range(start, len(student_cells))
                   if student_cells[k][1].cell_type == cell.cell_type]
        if options:
            best = max(options, key=lambda k: (difflib.SequenceMatcher(
                None, cell.source, student_cells[k][1].source).ratio(), -k))
            pairs.append((i, student_cells[best][0]))
            start = best + 1
    return pairs


def recover_metadata_by_content(nb, release_nb, problem):
    """Give graded cells that lost their nbgrader metadata the release's metadata back.

    The notebook's cells are aligned with the release's (difflib over type and source):
    unchanged cells (instructions, test cells, untouched stubs) match exactly, and an
    edited answer cell is the cell of its type that sits where the release has it.
    Only cells without nbgrader metadata are candidates, and only grade ids the notebook
    no longer has are given out.
    """
    lost = set(graded_cells(release_nb)) - set(graded_cells(nb))
    if not lost:
        return
    release_cells, cells = release_nb.cells, nb.cells
    matcher = difflib.SequenceMatcher(None, [_key(c) for c in release_cells],
                                      [_key(c) for c in cells], autojunk=False)
    pairs = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs += zip(range(i1, i2), range(j1, j2))
        elif tag == "replace":
            pairs += _pair_gap([(i, release_cells[i]) for i in range(i1, i2)],
                               [(j, cells[j]) for j in range(j1, j2)])
    found = []
    for i, j in pairs:
        grading = release_cells[i].metadata.get("nbgrader", {})
        if grading.get("grade_id") in lost and "nbgrader" not in cells[j].metadata:
            cells[j].metadata["nbgrader"] = copy.deepcopy(grading)
            found.append(grading["grade_id"])
    if found:
        problem(f"{len(found)} of {len(lost)} graded cells had lost their nbgrader metadata "
                f"and were found again by their place and content: {', '.join(found)}")


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


RELEASE_COPY = ("graded with the release's copy of the notebook: its test cells check "
                "your package, and the points of the notebook's own answer cells are lost")


def release_with_answers(release_nb, nb):
    """The release's notebook with the answer cells of ``nb`` (by grade id) put in;
    returns (notebook, grade ids of the answers taken)."""
    answers = {grade_id: cell for grade_id, cell in graded_cells(nb).items()
               if cell.metadata["nbgrader"].get("solution")} if nb is not None else {}
    copied, taken = copy.deepcopy(release_nb), []
    for grade_id, cell in graded_cells(copied).items():
        answer = answers.get(grade_id)
        if cell.metadata["nbgrader"].get("solution") and answer is not None \
                and answer.cell_type == cell.cell_type:
            cell.source = answer.source
            taken.append(grade_id)
    return copied, taken


def sanitize(nb, release_nb, resources, config, problem):
    """The notebook as nbgrader will run it, with the instructor's test cells.

    ``nb`` is None when the student's notebook is missing or unreadable: the release's
    copy is graded instead. ``resources`` is nbgrader's dict: {"nbgrader": {"notebook",
    "assignment", "student", "db_url"}}.
    """
    if nb is None:
        problem(RELEASE_COPY)
        return _run_steps(copy.deepcopy(release_nb), resources, config)
    nb = copy.deepcopy(nb)
    recover_metadata_by_content(nb, release_nb, problem)
    restore_metadata(nb, release_nb, problem)
    report_test_cell_changes(nb, release_nb, problem)
    try:
        return _run_steps(copy.deepcopy(nb), resources, config)
    except (KeyError, UngradableNotebook) as exc:
        # KeyError: nbgrader finds no place for a missing cell whose neighbour is
        # missing too.
        reason = exc if isinstance(exc, UngradableNotebook) else \
            "a missing graded cell has no place to go back to"
        rebuilt, taken = release_with_answers(release_nb, nb)
        problem(f"nbgrader cannot use the notebook as handed in ({reason}); {RELEASE_COPY}, "
                f"except for the answers found in it by grade id: "
                f"{', '.join(taken) or 'none'}")
        return _run_steps(rebuilt, resources, config)


def _run_steps(nb, resources, config):
    steps = [step(config=config) for step in SANITIZE_STEPS]
    for step in steps:
        if isinstance(step, OverwriteCells):
            step.add_missing_cells = True
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
