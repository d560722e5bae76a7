"""The graded cells of ConvolutionalNetworks.ipynb judge the way they should.

- the reference solution passes every graded cell and gets full concept points;
- each planted bug (a plausible wrong implementation) fails exactly the cells listed
  with it, and every other cell still passes;
- the release state (every solution region stubbed, concept answers blank) gets no
  autograded points;
- the notebook runs top to bottom in quick mode, as nbgrader runs it (slow).

The ConvNet and the sandwich layers use the provided fast layers, so a bug in the naive
convolution or pooling does not reach the ``three_layer_convnet`` cell.
"""

import re
import time

import nbformat
import pytest

from cs_utils import concept_checks
from tests.graded_cells import REPO_ROOT, copy_assignment, plant_bug, run_graded_cells

ASSIGNMENT = "assignment2"
NOTEBOOK = "ConvolutionalNetworks"

CONCEPT_POINTS = {
    "concept_true_false": concept_checks.max_score(true_false=2),
    "concept_multiple_select": concept_checks.max_score(multiple_select=1),
    "concept_numeric": concept_checks.max_score(numeric=3, numeric_points=1),
}
CODE_CELLS = {
    "conv_forward", "conv_backward", "max_pool_forward", "max_pool_backward",
    "three_layer_convnet", "spatial_batchnorm_forward", "spatial_batchnorm_backward",
    "spatial_groupnorm_forward", "spatial_groupnorm_backward",
}
TOTAL_POINTS = 25

LAYERS = "a2/layers.py"
CNN = "a2/cnn.py"

# (file, text in the reference, replacement, graded cells that must fail)
MUTANTS = [
    pytest.param(
        LAYERS,
        "window = x_padded[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]",
        "window = x_padded[:, :, i:i + HH, j:j + WW]",
        {"conv_forward", "conv_backward"},
        id="conv_forward-ignores-stride"),
    pytest.param(
        LAYERS,
        'W_out = 1 + (W + 2 * pad - WW) // stride\n'
        '    x_padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")',
        'W_out = 1 + (W + 2 * pad - WW) // stride\n'
        '    x_padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="edge")',
        {"conv_forward", "conv_backward"},
        id="conv_forward-pads-with-edge-values"),
    pytest.param(
        LAYERS,
        'W_out = 1 + (W + 2 * pad - WW) // stride\n'
        '    x_padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")',
        'W_out = 1 + (W + 2 * pad - WW) // stride\n'
        '    x_padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")\n'
        '    x -= np.mean(x)  # centres the input in place',
        {"conv_forward", "conv_backward"},
        id="conv_forward-changes-its-input"),
    pytest.param(
        LAYERS, "db = np.sum(dout, axis=(0, 2, 3))", "db = np.sum(dout, axis=(0, 2, 3)) / N",
        {"conv_backward"},
        id="conv_backward-db-averaged-over-batch"),
    pytest.param(
        LAYERS, "db = np.sum(dout, axis=(0, 2, 3))", "db = np.sum(dout, axis=(0, 2))[:, 0]",
        {"conv_backward"},
        id="conv_backward-db-one-column-only"),
    pytest.param(
        LAYERS, "dw += np.tensordot(d, x_padded[:, :, rows, cols], axes=([0], [0]))",
        "dw = np.tensordot(d, x_padded[:, :, rows, cols], axes=([0], [0]))",
        {"conv_backward"},
        id="conv_backward-dw-overwritten-not-accumulated"),
    pytest.param(
        LAYERS, "dw += np.tensordot(d, x_padded[:, :, rows, cols], axes=([0], [0]))",
        "dw += np.tensordot(d, x_padded[:, :, rows, cols], axes=([0], [0])) / N",
        {"conv_backward"},
        id="conv_backward-dw-averaged-over-batch"),
    pytest.param(
        LAYERS, "dx_padded[:, :, rows, cols] += np.tensordot(d, w, axes=([1], [0]))",
        "dx_padded[:, :, rows, cols] = np.tensordot(d, w, axes=([1], [0]))",
        {"conv_backward"},
        id="conv_backward-overlapping-windows-overwrite-dx"),
    pytest.param(
        LAYERS, "out[:, :, i, j] = np.max(window, axis=(2, 3))",
        "out[:, :, i, j] = np.mean(window, axis=(2, 3))",
        {"max_pool_forward", "max_pool_backward"},
        id="max_pool_forward-averages"),
    pytest.param(
        LAYERS, "window = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw]",
        "window = x[:, :, i:i + ph, j:j + pw]",
        {"max_pool_forward", "max_pool_backward"},
        id="max_pool_forward-ignores-stride"),
    pytest.param(
        LAYERS,
        "first_max = np.zeros_like(window)\n"
        "            np.put_along_axis(first_max, np.argmax(window, axis=2)[:, :, None], 1, axis=2)",
        "first_max = (window == np.max(window, axis=2, keepdims=True)).astype(x.dtype)",
        {"max_pool_backward"},
        id="max_pool_backward-routes-to-every-tied-maximum"),
    pytest.param(
        LAYERS, "dx[:, :, rows, cols] += first_max.reshape",
        "dx[:, :, rows, cols] = first_max.reshape",
        {"max_pool_backward"},
        id="max_pool_backward-overlapping-windows-overwrite"),
    pytest.param(
        CNN,
        'self.params["W1"] = weight_scale * np.random.randn(num_filters, C, filter_size, filter_size)',
        'self.params["W1"] = 1e-3 * np.random.randn(num_filters, C, filter_size, filter_size)',
        {"three_layer_convnet"},
        id="convnet-ignores-weight_scale"),
    pytest.param(
        CNN, "loss += 0.5 * self.reg * (", "loss += self.reg * (",
        {"three_layer_convnet"},
        id="convnet-regularization-without-half"),
    pytest.param(
        CNN, '        grads["W1"] += self.reg * W1\n', "",
        {"three_layer_convnet"},
        id="convnet-no-regularization-gradient-W1"),
    pytest.param(
        LAYERS, "x_rows = x.transpose(0, 2, 3, 1).reshape(-1, C)", "x_rows = x.reshape(-1, C)",
        {"spatial_batchnorm_forward", "spatial_batchnorm_backward"},
        id="spatial_batchnorm-statistics-over-wrong-axes"),
    pytest.param(
        LAYERS, "dout_rows = dout.transpose(0, 2, 3, 1).reshape(-1, C)",
        "dout_rows = dout.reshape(-1, C)",
        {"spatial_batchnorm_backward"},
        id="spatial_batchnorm_backward-reshape-without-transpose"),
    pytest.param(
        LAYERS, "groups = x.reshape(N, G, -1)", "groups = x.reshape(N, -1, G).transpose(0, 2, 1)",
        {"spatial_groupnorm_forward", "spatial_groupnorm_backward"},
        id="spatial_groupnorm-interleaved-groups"),
    pytest.param(
        LAYERS, "groups = x.reshape(N, G, -1)", "groups = x.reshape(N, C, -1)",
        {"spatial_groupnorm_forward", "spatial_groupnorm_backward"},
        id="spatial_groupnorm-one-group-per-channel"),
    pytest.param(
        LAYERS, "dx_hat = (dout * gamma).reshape(N, G, -1)", "dx_hat = dout.reshape(N, G, -1)",
        {"spatial_groupnorm_backward"},
        id="spatial_groupnorm_backward-forgets-gamma"),
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
