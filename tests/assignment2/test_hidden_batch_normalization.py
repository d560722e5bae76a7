"""The graded cells of BatchNormalization.ipynb judge the way they should.

- the reference solution passes every graded cell and gets full concept points;
- each planted bug (a plausible wrong implementation) fails exactly the cells listed
  with it, and every other cell still passes;
- the release state (every solution region stubbed, concept answers blank) gets no
  autograded points;
- the notebook runs top to bottom in quick mode, as nbgrader runs it (slow).

FullyConnectedNet uses batchnorm_backward_alt (through the sandwich layer), so a bug in
the closed-form backward pass also fails the ``fc_net_batchnorm`` cell.
"""

import re
import time

import nbformat
import pytest

from cs_utils import concept_checks
from tests.graded_cells import REPO_ROOT, copy_assignment, plant_bug, run_graded_cells

ASSIGNMENT = "assignment2"
NOTEBOOK = "BatchNormalization"

CONCEPT_POINTS = {
    "concept_true_false": concept_checks.max_score(true_false=2),
    "concept_multiple_select": concept_checks.max_score(multiple_select=1),
    "concept_numeric": concept_checks.max_score(numeric=3, numeric_points=1),
}
CODE_CELLS = {
    "batchnorm_forward_train", "batchnorm_forward_test", "batchnorm_backward",
    "batchnorm_backward_alt", "fc_net_batchnorm", "layernorm_forward", "layernorm_backward",
    "fc_net_layernorm",
}
TOTAL_POINTS = 24

LAYERS = "a2/layers.py"
TEST_MODE = "out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta"

# (file, text in the reference, replacement, graded cells that must fail)
MUTANTS = [
    pytest.param(
        LAYERS,
        "        running_mean = momentum * running_mean + (1 - momentum) * mean\n"
        "        running_var = momentum",
        "        running_var = momentum",
        {"batchnorm_forward_train"},
        id="batchnorm-train-mode-does-not-update-running-mean"),
    pytest.param(
        LAYERS, "running_var = momentum * running_var + (1 - momentum) * var",
        "running_var = momentum * running_var + (1 - momentum) * std",
        {"batchnorm_forward_train"},
        id="batchnorm-running-var-averages-the-std"),
    pytest.param(
        LAYERS, "var = np.mean(x_centered ** 2, axis=0)", "var = np.var(x, axis=0, ddof=1)",
        {"batchnorm_forward_train", "batchnorm_backward", "batchnorm_backward_alt",
         "fc_net_batchnorm"},
        id="batchnorm-unbiased-variance"),
    pytest.param(
        LAYERS, TEST_MODE,
        "out = gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta",
        {"batchnorm_forward_test", "fc_net_batchnorm"},
        id="batchnorm-test-mode-uses-batch-statistics"),
    pytest.param(
        LAYERS, TEST_MODE,
        TEST_MODE + "\n        running_mean = momentum * running_mean + (1 - momentum) * x.mean(axis=0)",
        {"batchnorm_forward_test", "fc_net_batchnorm"},
        id="batchnorm-test-mode-updates-running-mean"),
    pytest.param(
        LAYERS, TEST_MODE, "out = gamma * (x - running_mean) / np.sqrt(running_var) + beta",
        {"batchnorm_forward_test"},
        id="batchnorm-test-mode-without-eps"),
    pytest.param(
        LAYERS, "dx = dx_centered + dmean / N", "dx = dx_centered",
        {"batchnorm_backward"},
        id="batchnorm_backward-misses-the-path-through-the-mean"),
    pytest.param(
        LAYERS, "dx_centered += 2 * x_centered * dvar / N", "dx_centered += x_centered * dvar / N",
        {"batchnorm_backward"},
        id="batchnorm_backward-variance-path-without-factor-2"),
    pytest.param(
        LAYERS,
        "dx = (dx_hat - np.mean(dx_hat, axis=0) - x_hat * np.mean(dx_hat * x_hat, axis=0)) / std",
        "dx = (dx_hat - np.mean(dx_hat, axis=0)) / std",
        {"batchnorm_backward_alt", "fc_net_batchnorm"},
        id="batchnorm_backward_alt-misses-the-variance-term"),
    pytest.param(
        LAYERS,
        "dx = (dx_hat - np.mean(dx_hat, axis=0) - x_hat * np.mean(dx_hat * x_hat, axis=0)) / std",
        "dx = (dx_hat - x_hat * np.mean(dx_hat * x_hat, axis=0)) / std",
        {"batchnorm_backward_alt", "fc_net_batchnorm"},
        id="batchnorm_backward_alt-misses-the-mean-term"),
    pytest.param(
        LAYERS,
        "dx = (dx_hat - np.mean(dx_hat, axis=0) - x_hat * np.mean(dx_hat * x_hat, axis=0)) / std",
        "dx = (dx_hat - np.mean(dx_hat, axis=0) - x_hat * np.mean(dx_hat * x_hat, axis=0)) / std ** 2",
        {"batchnorm_backward_alt", "fc_net_batchnorm"},
        id="batchnorm_backward_alt-divides-by-the-variance"),
    pytest.param(
        LAYERS, "    mean = np.mean(x, axis=1, keepdims=True)", "    mean = np.mean(x, axis=0, keepdims=True)",
        {"layernorm_forward", "layernorm_backward", "fc_net_layernorm"},
        id="layernorm-mean-over-the-batch-axis"),
    pytest.param(
        LAYERS, "var = np.mean(x_centered ** 2, axis=1, keepdims=True)",
        "var = np.mean(x_centered ** 2, axis=0, keepdims=True)",
        {"layernorm_forward", "layernorm_backward", "fc_net_layernorm"},
        id="layernorm-variance-over-the-batch-axis"),
    pytest.param(
        LAYERS, "dx = (dx_hat - np.mean(dx_hat, axis=1, keepdims=True)",
        "dx = (dx_hat - np.mean(dx_hat, axis=0, keepdims=True)",
        {"layernorm_backward", "fc_net_layernorm"},
        id="layernorm_backward-mean-over-the-batch-axis"),
]

SOLUTION_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION[ \t]*\n",
                             re.DOTALL | re.MULTILINE)


def _failed(results):
    return {gid for gid, r in results.items() if not r.passed}


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
    assert tests == CODE_CELLS | set(CONCEPT_POINTS)
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
    assert set(reference_results) == CODE_CELLS | set(CONCEPT_POINTS)
    assert _failed(reference_results) == set(), {
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
    for gid in CODE_CELLS:
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
    assert elapsed < 180, f"quick mode should take well under a minute, took {elapsed:.0f} s"
