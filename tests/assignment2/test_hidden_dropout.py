"""The graded cells of Dropout.ipynb judge the way they should.

- the reference solution passes every graded cell and gets full concept points;
- each planted bug (a plausible wrong implementation) fails exactly the cells listed
  with it, and every other cell still passes;
- the release state (every solution region stubbed, concept answers blank) gets no
  autograded points;
- the notebook runs top to bottom in quick mode, as nbgrader runs it (slow).

This notebook has no ``accuracy_`` cell: its training run is an experiment to look at,
not a model to hand in.
"""

import re
import time

import nbformat
import pytest

from cs_utils import concept_checks
from tests.graded_cells import REPO_ROOT, copy_assignment, plant_bug, run_graded_cells

ASSIGNMENT = "assignment2"
NOTEBOOK = "Dropout"

CONCEPT_POINTS = {
    "concept_true_false": concept_checks.max_score(true_false=2),
    "concept_multiple_select": concept_checks.max_score(multiple_select=1),
    "concept_numeric": concept_checks.max_score(numeric=2, numeric_points=1),
}
CODE_CELLS = {"dropout_forward", "dropout_backward", "fc_net_dropout"}
ACCURACY_CELLS = set()
TOTAL_POINTS = 18

LAYERS = "a2/layers.py"
NET = "a2/fc_net.py"

# (file, [(text in the reference, replacement), ...], graded cells that must fail)
MUTANTS = [
    pytest.param(
        LAYERS, [("mask = ((rng.rand(*x.shape) < p) / p).astype(x.dtype)",
                  "mask = (rng.rand(*x.shape) < p).astype(x.dtype)")],
        {"dropout_forward", "fc_net_dropout"},
        id="dropout-not-inverted"),
    pytest.param(
        LAYERS, [("mask = ((rng.rand(*x.shape) < p) / p).astype(x.dtype)",
                  "mask = ((rng.rand(*x.shape) >= p) / p).astype(x.dtype)")],
        {"dropout_forward", "fc_net_dropout"},
        id="dropout-p-read-as-drop-probability"),
    pytest.param(
        LAYERS, [("        dx = dout * mask\n",
                  "        p = dropout_param[\"p\"]\n"
                  "        dx = dout * (np.random.rand(*dout.shape) < p) / p\n")],
        {"dropout_backward", "fc_net_dropout"},
        id="dropout-backward-draws-a-new-mask"),
    pytest.param(
        LAYERS, [("        # What does inverted dropout do at test time?\n"
                  "        ### BEGIN SOLUTION\n        out = x\n",
                  "        # What does inverted dropout do at test time?\n"
                  "        ### BEGIN SOLUTION\n        out = x * (rng.rand(*x.shape) < p) / p\n")],
        {"dropout_forward", "fc_net_dropout"},
        id="dropout-active-in-test-mode"),
    pytest.param(
        LAYERS, [("        # What does inverted dropout do at test time?\n"
                  "        ### BEGIN SOLUTION\n        out = x\n",
                  "        # What does inverted dropout do at test time?\n"
                  "        ### BEGIN SOLUTION\n        out = x * p\n")],
        {"dropout_forward", "fc_net_dropout"},
        id="dropout-scales-at-test-time-too"),
    pytest.param(
        NET, [("            if self.use_dropout:\n                dout = dropout_backward(dout, dropout_cache)\n", "")],
        {"fc_net_dropout"},
        id="net-skips-dropout-in-backward"),
]

SOLUTION_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION[ \t]*\n",
                             re.DOTALL | re.MULTILINE)


def _failed(results):
    return {gid for gid, r in results.items() if not r.passed and gid not in ACCURACY_CELLS}


def _read_notebook(folder=None):
    folder = folder or REPO_ROOT / ASSIGNMENT
    return nbformat.read(folder / f"{NOTEBOOK}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def reference_results(tmp_path_factory):
    folder = copy_assignment(ASSIGNMENT, tmp_path_factory.mktemp("reference"))
    return run_graded_cells(folder, NOTEBOOK)


def test_notebook_metadata_follows_the_conventions():
    nb = _read_notebook()
    assert nb.metadata["kernelspec"]["name"] == "python3"
    graded = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if not meta:
            continue
        assert meta["schema_version"] == 3
        assert meta["grade_id"] not in graded, f"duplicate grade_id {meta['grade_id']}"
        graded[meta["grade_id"]] = (cell, meta)
        if meta["grade"] and cell.cell_type == "code":
            assert meta["locked"] and not meta["solution"]
            assert "### BEGIN SOLUTION" not in cell.source
        if meta["solution"]:
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
        if cell.cell_type == "markdown" and meta["grade"]:
            assert meta["solution"] and not meta["locked"]
            assert cell.source.index("**Your answer:**") < cell.source.index("### BEGIN SOLUTION")
    tests = {gid for gid, (c, m) in graded.items() if m["grade"] and c.cell_type == "code"}
    assert tests == CODE_CELLS | ACCURACY_CELLS | set(CONCEPT_POINTS)
    for gid in CODE_CELLS:
        source = graded[gid][0].source
        visible, _, hidden = source.partition("### BEGIN HIDDEN TESTS")
        assert "assert" in visible and "assert" in hidden and "### END HIDDEN TESTS" in hidden, gid
    for gid, points in CONCEPT_POINTS.items():
        assert graded[gid][1]["points"] == points, gid
        assert graded[gid][0].source.rstrip().endswith("### END HIDDEN TESTS")
    questions = [gid for gid, (c, m) in graded.items() if c.cell_type == "markdown" and m["grade"]]
    assert len(questions) >= 2
    answer_cells = [gid for gid in graded if gid.endswith("_answers")]
    assert len(answer_cells) == 1
    blank = graded[answer_cells[0]][0].source.split("### BEGIN SOLUTION")[0]
    assert "tf_answers" in blank and "ms_answers" in blank and "num_answers" in blank
    assert sum(m["points"] for c, m in graded.values() if m["grade"]) == TOTAL_POINTS


def test_reference_solution_passes_every_graded_cell(reference_results):
    assert set(reference_results) == CODE_CELLS | ACCURACY_CELLS | set(CONCEPT_POINTS)
    assert _failed(reference_results) == set(), {
        gid: (r.error, r.stderr) for gid, r in reference_results.items() if not r.passed}
    for gid in CODE_CELLS:
        assert reference_results[gid].earned == reference_results[gid].points
    for gid, points in CONCEPT_POINTS.items():
        assert reference_results[gid].score == points, gid
        assert reference_results[gid].earned == points, gid


@pytest.mark.parametrize("relative_file, replacements, expected", MUTANTS)
def test_planted_bug_fails_exactly_its_cells(tmp_path, relative_file, replacements, expected):
    folder = copy_assignment(ASSIGNMENT, tmp_path)
    for old, new in replacements:
        plant_bug(folder, relative_file, old, new)
    results = run_graded_cells(folder, NOTEBOOK)
    failed = _failed(results)
    assert failed == expected, {gid: results[gid].error for gid in failed ^ expected}
    for gid in CONCEPT_POINTS:
        assert results[gid].earned == CONCEPT_POINTS[gid]


def test_release_state_gets_no_autograded_points(tmp_path):
    folder = copy_assignment(ASSIGNMENT, tmp_path)
    for path in (folder / "a2").glob("*.py"):
        text = path.read_text()
        stubbed = SOLUTION_REGION.sub(lambda m: f"{m.group(1)}raise NotImplementedError\n", text)
        path.write_text(stubbed)
    assert "### BEGIN SOLUTION" not in (folder / "a2" / "layers.py").read_text()
    # Blank concept answers: the answers cell without its solution region.
    nb = _read_notebook(folder)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id", "").endswith("_answers"):
            cell.source = SOLUTION_REGION.sub("", cell.source + "\n")
    nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")

    results = run_graded_cells(folder, NOTEBOOK)
    for gid in CODE_CELLS | ACCURACY_CELLS:
        assert not results[gid].passed, f"{gid} passes on the stubbed package"
    for gid in CONCEPT_POINTS:
        assert results[gid].passed and results[gid].earned == 0, gid
    assert sum(r.earned for r in results.values()) == 0


@pytest.mark.slow
def test_notebook_runs_top_to_bottom_in_quick_mode(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    folder = copy_assignment(ASSIGNMENT, tmp_path)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.delenv("MPLBACKEND", raising=False)
    nb = _read_notebook(folder)
    start = time.perf_counter()
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    elapsed = time.perf_counter() - start
    print(f"{NOTEBOOK}.ipynb ran in {elapsed:.1f} s")

    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        for output in cell.outputs:
            assert output.output_type != "error", f"{meta['grade_id']}: {output.get('evalue')}"
            assert not (output.output_type == "stream" and output.name == "stderr"), (
                f"{meta['grade_id']} writes to stderr: {output.text[:300]}")
    assert elapsed < 240, f"quick mode should take well under a minute, took {elapsed:.0f} s"
