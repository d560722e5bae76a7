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

import pytest

from cs_utils import concept_checks
from tests.notebook_suite import GradedNotebookSuite, Mutant, mutant
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
MUTANT_TABLE = [
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


# The weights drawn in another order and layout: the gradient check and the
# initialization check hold for any correct draw.
INITIALIZATION = (
    '        self.params["W1"] = weight_scale * np.random.randn(num_filters, C, filter_size, filter_size)\n'
    '        self.params["b1"] = np.zeros(num_filters)\n'
    '        self.params["W2"] = weight_scale * np.random.randn(pooled, hidden_dim)\n'
    '        self.params["b2"] = np.zeros(hidden_dim)\n'
    '        self.params["W3"] = weight_scale * np.random.randn(hidden_dim, num_classes)\n'
    '        self.params["b3"] = np.zeros(num_classes)\n')
WEIGHTS_DRAWN_ANOTHER_WAY = Mutant("convnet-weights-drawn-another-way", [(CNN, INITIALIZATION, (
    '        self.params["W3"] = np.random.normal(0.0, weight_scale, (num_classes, hidden_dim)).T.copy()\n'
    '        self.params["W2"] = np.random.normal(0.0, weight_scale, (hidden_dim, pooled)).T.copy()\n'
    '        self.params["W1"] = np.random.normal(0.0, weight_scale, (num_filters, C, filter_size, filter_size))\n'
    '        for name, size in (("b1", num_filters), ("b2", hidden_dim), ("b3", num_classes)):\n'
    '            self.params[name] = np.zeros(size)\n'))], ())


class TestConvolutionalNetworks(GradedNotebookSuite):
    ASSIGNMENT, PACKAGE, NOTEBOOK = "assignment2", "a2", NOTEBOOK
    CODE_CELLS = CODE_CELLS
    CONCEPT_POINTS = CONCEPT_POINTS
    TOTAL_POINTS = TOTAL_POINTS
    MUTANTS = [mutant(row.id, *row.values) for row in MUTANT_TABLE]
    ALTERNATIVES = [WEIGHTS_DRAWN_ANOTHER_WAY]
