"""The graded cells of features.ipynb judge the way they should.

- the reference solution passes every graded cell and gets full concept points;
- each planted bug fails exactly the cells listed with it, and every other cell passes;
- the release state (every solution region stubbed, concept answers blank) gets no
  autograded points;
- the notebook runs top to bottom in quick mode, as nbgrader runs it (slow).

The ``accuracy_features`` cell reads the state of the notebook (the tuned classifiers),
so only the end-to-end run can judge it.
"""

import time

import nbformat
import pytest

from cs_utils import concept_checks
from tests.graded_cells import (REPO_ROOT, blank_concept_answers, copy_assignment, failing,
                                plant_bug, run_graded_cells, stub_package)

ASSIGNMENT = "assignment1"
NOTEBOOK = "features"

CONCEPT_POINTS = {
    "concept_true_false": concept_checks.max_score(true_false=2),
    "concept_multiple_select": concept_checks.max_score(multiple_select=1),
    "concept_numeric": concept_checks.max_score(numeric=2, numeric_points=1),
}
CODE_CELLS = {"linear_svm_on_features", "two_layer_net_on_features"}
ACCURACY_CELLS = {"accuracy_features"}
TOTAL_POINTS = 16

CLASSIFIER = "a1/linear_classifier.py"
NET = "a1/two_layer_net.py"
LAYERS = "a1/layers.py"

# (file, text in the reference, replacement, graded cells that must fail)
MUTANTS = [
    pytest.param(
        CLASSIFIER, "y_pred = np.argmax(X @ self.W, axis=1)", "y_pred = np.argmax(X @ self.W, axis=0)",
        {"linear_svm_on_features"},
        id="predict-argmax-over-examples"),
    pytest.param(
        CLASSIFIER, "y_batch = y[indices]",
        "y_batch = y[np.random.choice(num_train, batch_size, replace=True)]",
        {"linear_svm_on_features"},
        id="train-labels-drawn-apart-from-images"),
    pytest.param(
        CLASSIFIER, "self.W -= learning_rate * grad", "self.W += learning_rate * grad",
        {"linear_svm_on_features"},
        id="train-steps-uphill"),
    pytest.param(
        NET, "np.random.randn(input_dim, hidden_dim)", "np.random.randn(3 * 32 * 32, hidden_dim)",
        {"two_layer_net_on_features"},
        id="net-assumes-image-input"),
    pytest.param(
        NET, '        grads["W1"] += self.reg * W1\n', "",
        {"two_layer_net_on_features"},
        id="net-no-regularization-gradient-W1"),
    pytest.param(
        NET, "affine_relu_backward(dhidden, hidden_cache)", "affine_backward(dhidden, hidden_cache[0])",
        {"two_layer_net_on_features"},
        id="net-backward-skips-relu-mask"),
    pytest.param(
        LAYERS, "db = np.sum(dout, axis=0)", "db = np.mean(dout, axis=0)",
        {"two_layer_net_on_features"},
        id="affine_backward-db-averaged-not-summed"),
]

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
        visible, _, hidden = graded[gid][0].source.partition("### BEGIN HIDDEN TESTS")
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
    assert (failing(reference_results) - ACCURACY_CELLS) == set(), {
        gid: (r.error, r.stderr) for gid, r in reference_results.items() if not r.passed}
    for gid in CODE_CELLS:
        assert reference_results[gid].earned == reference_results[gid].points
    for gid, points in CONCEPT_POINTS.items():
        assert reference_results[gid].score == points, gid
        assert reference_results[gid].earned == points, gid


@pytest.mark.parametrize("relative_file, old, new, expected", MUTANTS)
def test_planted_bug_fails_exactly_its_cells(tmp_path, relative_file, old, new, expected):
    folder = copy_assignment(ASSIGNMENT, tmp_path)
    plant_bug(folder, relative_file, old, new)
    results = run_graded_cells(folder, NOTEBOOK)
    failed = (failing(results) - ACCURACY_CELLS)
    assert failed == expected, {gid: results[gid].error for gid in failed ^ expected}
    for gid in CONCEPT_POINTS:
        assert results[gid].earned == CONCEPT_POINTS[gid]


def test_release_state_gets_no_autograded_points(tmp_path):
    folder = copy_assignment(ASSIGNMENT, tmp_path)
    stub_package(folder, "a1")
    blank_concept_answers(folder / f"{NOTEBOOK}.ipynb")

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
    accuracy = [c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") in ACCURACY_CELLS]
    assert len(accuracy) == len(ACCURACY_CELLS) and all(c.outputs for c in accuracy)
    assert elapsed < 240, f"quick mode should take well under a minute, took {elapsed:.0f} s"
