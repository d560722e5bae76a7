"""Tests for cs_utils.fast_layers and both im2col backends.

Every result is held against a slow, direct loop version written here from the
definition (and the backward passes also against numerical gradients), for the
compiled backend and the numpy fallback alike.

The compiled extension is built by ``pip install -e .``. If it is missing, the tests
for it fail, saying how to build it, unless ``COURSE_FAST_LAYERS=numpy`` is set: that
marks a run on a machine without a C compiler, where they are skipped.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

from cs_utils import fast_layers
from cs_utils.gradient_check import eval_numerical_gradient_array, rel_error
from tests.margins import assert_within

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NO_COMPILER_RUN = os.environ.get(fast_layers.ENV_VAR, "").strip().lower() == "numpy"


# ---------------------------------------------------------------- fixtures

def _require_compiled():
    if "cython" in fast_layers.available_backends():
        return
    if NO_COMPILER_RUN:
        pytest.skip(f"{fast_layers.ENV_VAR}=numpy: a run without the compiled extension")
    pytest.fail("the compiled im2col extension cs_utils._im2col_cython is not built; run "
                "`python -m pip install -e .` in the repository (it needs a C compiler), or "
                f"set {fast_layers.ENV_VAR}=numpy for a run without a compiler")


@pytest.fixture(params=["cython", "numpy"])
def backend(request):
    """Run the test once with each backend, restoring the previous one afterwards."""
    if request.param == "cython":
        _require_compiled()
    previous = fast_layers.use_backend(request.param)
    yield request.param
    fast_layers.use_backend(previous)


@pytest.fixture
def rng():
    return np.random.default_rng(498)


def assert_close(actual, expected, dtype):
    """float64: elementwise relative error below 1e-8; float32: within float32 rounding."""
    assert actual.shape == expected.shape
    assert actual.dtype == dtype
    if dtype == np.float64:
        assert_within(rel_error(actual, expected), 1e-8)
    else:
        scale = max(1.0, float(np.max(np.abs(expected))))
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5 * scale)


# ------------------------------------------------ slow reference versions

def conv_forward_loops(x, w, b, stride, pad):
    """The definition, one output at a time:

    out[n, f, i, j] = b[f] + sum over c, p, q of xpad[n, c, i*stride + p, j*stride + q] * w[f, c, p, q]
    """
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho = (H + 2 * pad - HH) // stride + 1
    Wo = (W + 2 * pad - WW) // stride + 1
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    total = b[f]
                    for c in range(C):
                        for p in range(HH):
                            for q in range(WW):
                                total += xpad[n, c, i * stride + p, j * stride + q] * w[f, c, p, q]
                    out[n, f, i, j] = total
    return out


def conv_backward_loops(dout, x, w, stride, pad):
    """Gradients of sum(out * dout), accumulated window by window."""
    x, w, dout = (np.asarray(a, dtype=np.float64) for a in (x, w, dout))
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxpad = np.zeros_like(xpad)
    dw = np.zeros_like(w)
    db = np.zeros(F)
    for n in range(N):
        for f in range(F):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    rows = slice(i * stride, i * stride + HH)
                    cols = slice(j * stride, j * stride + WW)
                    g = dout[n, f, i, j]
                    dxpad[n, :, rows, cols] += g * w[f]
                    dw[f] += g * xpad[n, :, rows, cols]
                    db[f] += g
    return dxpad[:, :, pad:pad + H, pad:pad + W], dw, db


def first_max_position(window):
    """(p, q) of the largest entry, the first in row-major order when several tie."""
    best = (0, 0)
    for p in range(window.shape[0]):
        for q in range(window.shape[1]):
            if window[p, q] > window[best]:
                best = (p, q)
    return best


def max_pool_loops(x, dout, ph, pw, stride):
    """Forward output and the gradient routed to each window's first maximum."""
    N, C, H, W = x.shape
    Ho, Wo = (H - ph) // stride + 1, (W - pw) // stride + 1
    out = np.zeros((N, C, Ho, Wo))
    dx = np.zeros(x.shape)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    window = x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw]
                    p, q = first_max_position(window)
                    out[n, c, i, j] = window[p, q]
                    if dout is not None:
                        dx[n, c, i * stride + p, j * stride + q] += dout[n, c, i, j]
    return out, dx


# ------------------------------------------------------- the extension

def test_extension_is_built():
    """`pip install -e .` compiles the extension, and it is the default backend."""
    _require_compiled()
    from cs_utils import _im2col_cython

    assert _im2col_cython.__file__.endswith((".so", ".pyd"))
    if os.environ.get(fast_layers.ENV_VAR, "auto").strip().lower() in ("", "auto", "cython"):
        assert fast_layers.BACKEND == "cython"


def test_use_backend_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown backend"):
        fast_layers.use_backend("fortran")


# -------------------------------------------------------------- im2col

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, kernel, stride, pad", [
    ((2, 3, 5, 7), (3, 2), 1, 1),
    ((1, 2, 7, 6), (3, 3), 2, 0),
    ((2, 1, 4, 4), (5, 5), 3, 2),
    ((3, 2, 3, 5), (1, 1), 1, 0),
])
def test_im2col_and_col2im_follow_the_definition(backend, rng, dtype, shape, kernel, stride, pad):
    kernels = fast_layers._kernels
    N, C, H, W = shape
    HH, WW = kernel
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    x = rng.standard_normal(shape).astype(dtype)
    cols = kernels.im2col(x, HH, WW, pad, stride, Ho, Wo)
    assert cols.shape == (C * HH * WW, N * Ho * Wo) and cols.dtype == dtype

    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    expected = np.zeros(cols.shape, dtype=dtype)
    for n in range(N):
        for c in range(C):
            for p in range(HH):
                for q in range(WW):
                    for i in range(Ho):
                        for j in range(Wo):
                            expected[(c * HH + p) * WW + q, (n * Ho + i) * Wo + j] = \
                                xpad[n, c, i * stride + p, j * stride + q]
    np.testing.assert_array_equal(cols, expected)

    # col2im adds every entry back onto the pixel it came from.
    g = rng.standard_normal(cols.shape).astype(dtype)
    dx = kernels.col2im(g, N, C, H, W, HH, WW, pad, stride, Ho, Wo)
    dxpad = np.zeros(xpad.shape)
    for n in range(N):
        for c in range(C):
            for p in range(HH):
                for q in range(WW):
                    for i in range(Ho):
                        for j in range(Wo):
                            dxpad[n, c, i * stride + p, j * stride + q] += \
                                g[(c * HH + p) * WW + q, (n * Ho + i) * Wo + j]
    assert dx.shape == x.shape and dx.dtype == dtype
    assert_close(dx, dxpad[:, :, pad:pad + H, pad:pad + W].astype(dtype), dtype)


# --------------------------------------------------------- convolution

CONV_CASES = [
    # x shape, w shape: non-square inputs and kernels; every pad and stride gives a
    # whole output size.
    ((2, 3, 7, 10), (4, 3, 3, 2)),
    ((3, 2, 5, 6), (2, 2, 1, 4)),
]


@pytest.fixture(params=["one image at a time", "the whole batch at once"])
def chunks(request, monkeypatch):
    """Build the columns one image at a time, or for the whole batch (CIFAR-sized
    batches take several chunks; these small ones would otherwise take one)."""
    monkeypatch.setattr(fast_layers, "CHUNK_BYTES", 1 if request.param.startswith("one") else None)
    return request.param


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("pad", [0, 1, 2])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("x_shape, w_shape", CONV_CASES)
def test_conv_matches_loops(backend, chunks, rng, x_shape, w_shape, stride, pad, dtype):
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    conv_param = {"stride": stride, "pad": pad}
    out, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
    assert_close(out, conv_forward_loops(x, w, b, stride, pad).astype(dtype), dtype)

    dout = rng.standard_normal(out.shape).astype(dtype)
    dx, dw, db = fast_layers.conv_backward_fast(dout, cache)
    dx_ref, dw_ref, db_ref = conv_backward_loops(dout, x, w, stride, pad)
    assert_close(dx, dx_ref.astype(dtype), dtype)
    assert_close(dw, dw_ref.astype(dtype), dtype)
    assert_close(db, db_ref.astype(dtype), dtype)


@pytest.mark.parametrize("stride, pad", [(1, 1), (2, 2)])
def test_conv_backward_matches_numerical_gradients(backend, rng, stride, pad):
    # The convolution is linear in x, w and b: its centred differences are exact but for
    # roundoff (about eps * |out| / h). With x, w and dout positive every element of dx,
    # dw and db is a sum of positive terms (or exactly 0, for an input no window
    # covers), none of them small by cancellation.
    x = rng.uniform(0.5, 1.5, size=(2, 3, 5, 7))
    w = rng.uniform(0.5, 1.5, size=(3, 3, 3, 1))
    b = rng.standard_normal(3)
    conv_param = {"stride": stride, "pad": pad}
    out, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
    dout = rng.uniform(0.5, 1.5, size=out.shape)
    dx, dw, db = fast_layers.conv_backward_fast(dout, cache)

    def forward(x_, w_, b_):
        return fast_layers.conv_forward_fast(x_, w_, b_, conv_param)[0]

    dx_num = eval_numerical_gradient_array(lambda v: forward(v, w, b), x, dout)
    dw_num = eval_numerical_gradient_array(lambda v: forward(x, v, b), w, dout)
    db_num = eval_numerical_gradient_array(lambda v: forward(x, w, v), b, dout)
    assert_within(rel_error(dx, dx_num), 1e-8)
    assert_within(rel_error(dw, dw_num), 1e-8)
    assert_within(rel_error(db, db_num), 1e-8)


def test_conv_leaves_its_inputs_alone(backend, rng):
    x = rng.standard_normal((2, 3, 6, 5))
    w = rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(4)
    for a in (x, w, b):
        a.flags.writeable = False  # any write raises
    out, cache = fast_layers.conv_forward_fast(x, w, b, {"stride": 1, "pad": 1})
    dout = rng.standard_normal(out.shape)
    dout_before = dout.copy()
    fast_layers.conv_backward_fast(dout, cache)
    np.testing.assert_array_equal(dout, dout_before)


def test_conv_accepts_non_contiguous_and_integer_inputs(backend, rng):
    x = rng.standard_normal((3, 2, 8, 6)).transpose(0, 1, 3, 2)  # (3, 2, 6, 8), not contiguous
    w = rng.integers(-2, 3, size=(2, 2, 3, 3))
    b = np.array([1, -1])
    out, _ = fast_layers.conv_forward_fast(x, w, b, {"stride": 1, "pad": 0})
    assert out.dtype == np.float64
    assert_close(out, conv_forward_loops(x, w, b, 1, 0), np.float64)


def test_conv_dtype_follows_the_inputs(backend, rng):
    x32 = rng.standard_normal((1, 2, 4, 4)).astype(np.float32)
    w32 = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    b32 = np.zeros(3, np.float32)
    out, cache = fast_layers.conv_forward_fast(x32, w32, b32, {"stride": 1, "pad": 1})
    assert out.dtype == np.float32
    assert all(g.dtype == np.float32 for g in fast_layers.conv_backward_fast(out, cache))
    w64 = w32.astype(np.float64)
    out, _ = fast_layers.conv_forward_fast(x32, w64, b32, {"stride": 1, "pad": 1})
    assert out.dtype == np.float64


@pytest.mark.parametrize("x_shape, w_shape, conv_param, message", [
    ((1, 1, 6, 6), (1, 1, 3, 3), {"stride": 2, "pad": 0}, "height .* not an integer"),
    ((1, 1, 7, 6), (1, 1, 3, 3), {"stride": 2, "pad": 1}, "width .* not an integer"),
    ((1, 1, 2, 2), (1, 1, 5, 5), {"stride": 1, "pad": 1}, "larger than the padded input"),
    ((1, 2, 5, 5), (1, 3, 3, 3), {"stride": 1, "pad": 1}, "input channels"),
    ((2, 5, 5), (1, 1, 3, 3), {"stride": 1, "pad": 1}, r"\(N, C, H, W\)"),
    ((1, 1, 5, 5), (1, 1, 3, 3), {"stride": 0, "pad": 1}, "stride"),
    ((1, 1, 5, 5), (1, 1, 3, 3), {"stride": 1, "pad": -1}, "pad"),
])
def test_conv_rejects_invalid_shapes(backend, x_shape, w_shape, conv_param, message):
    with pytest.raises(ValueError, match=message):
        fast_layers.conv_forward_fast(np.zeros(x_shape), np.zeros(w_shape),
                                      np.zeros(w_shape[0]), conv_param)


# -------------------------------------------------------- max pooling

POOL_CASES = [
    # x shape, pool_height, pool_width, stride, the path taken
    ((2, 3, 8, 6), 2, 2, 2, "reshape"),     # square windows tiling the input
    ((1, 2, 9, 6), 3, 3, 3, "reshape"),
    ((2, 2, 7, 9), 3, 3, 2, "im2col"),      # overlapping windows
    ((2, 2, 5, 6), 2, 3, 1, "im2col"),      # overlapping, non-square
    ((1, 3, 8, 8), 2, 2, 3, "im2col"),      # gaps between the windows
    ((2, 2, 8, 6), 4, 2, 2, "im2col"),      # non-square windows
    ((1, 2, 7, 8), 2, 2, 2, None),          # odd height: invalid, see the next test
]
VALID_POOL_CASES = [case for case in POOL_CASES if case[-1]]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("x_shape, ph, pw, stride, path", VALID_POOL_CASES)
def test_max_pool_matches_loops(backend, chunks, rng, x_shape, ph, pw, stride, path, dtype):
    x = rng.standard_normal(x_shape).astype(dtype)
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    out, cache = fast_layers.max_pool_forward_fast(x, pool_param)
    assert cache[0] == path
    dout = rng.standard_normal(out.shape).astype(dtype)
    out_ref, dx_ref = max_pool_loops(x, dout, ph, pw, stride)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, out_ref.astype(dtype))  # a max is exact
    dx = fast_layers.max_pool_backward_fast(dout, cache)
    assert_close(dx, dx_ref.astype(dtype), dtype)


@pytest.mark.parametrize("x_shape, ph, pw, stride, path", VALID_POOL_CASES)
def test_max_pool_routes_tied_maxima_to_one_element(backend, chunks, rng, x_shape, ph, pw, stride,
                                                    path):
    """With many ties, each window's gradient goes to its first maximum only."""
    x = rng.integers(0, 3, size=x_shape).astype(np.float64)  # few values: ties everywhere
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    out, cache = fast_layers.max_pool_forward_fast(x, pool_param)
    # Distinct powers of two per window: each window's share in dx can be told apart.
    dout = 2.0 ** np.arange(out.size).reshape(out.shape) / 2.0 ** out.size
    dx = fast_layers.max_pool_backward_fast(dout, cache)
    _, dx_ref = max_pool_loops(x, dout, ph, pw, stride)
    np.testing.assert_array_equal(dx, dx_ref)
    np.testing.assert_allclose(dx.sum(), dout.sum(), rtol=1e-12)

    # A constant input: every window ties everywhere and its top-left entry wins.
    ones = np.ones(x_shape)
    out, cache = fast_layers.max_pool_forward_fast(ones, pool_param)
    dx = fast_layers.max_pool_backward_fast(np.ones(out.shape), cache)
    expected = np.zeros(x_shape)
    Ho, Wo = out.shape[2:]
    for i in range(Ho):
        for j in range(Wo):
            expected[:, :, i * stride, j * stride] += 1.0
    np.testing.assert_array_equal(dx, expected)
    assert np.count_nonzero(dx) <= out.size


@pytest.mark.parametrize("x_shape, ph, pw, stride, path", VALID_POOL_CASES)
def test_max_pool_backward_matches_numerical_gradients(backend, rng, x_shape, ph, pw, stride,
                                                       path):
    # Distinct values far apart, so a step of h never changes which entry is the max.
    x = rng.permutation(np.prod(x_shape)).reshape(x_shape) * 0.1
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    out, cache = fast_layers.max_pool_forward_fast(x, pool_param)
    dout = rng.standard_normal(out.shape)
    dx = fast_layers.max_pool_backward_fast(dout, cache)
    dx_num = eval_numerical_gradient_array(
        lambda v: fast_layers.max_pool_forward_fast(v, pool_param)[0], x, dout)
    assert_within(rel_error(dx, dx_num), 1e-8)


def test_max_pool_leaves_its_inputs_alone(backend, rng):
    for x_shape, ph, pw, stride, _ in VALID_POOL_CASES:
        x = rng.standard_normal(x_shape)
        x.flags.writeable = False
        pool_param = {"pool_height": ph, "pool_width": pw, "stride": stride}
        out, cache = fast_layers.max_pool_forward_fast(x, pool_param)
        dout = rng.standard_normal(out.shape)
        dout.flags.writeable = False
        fast_layers.max_pool_backward_fast(dout, cache)


@pytest.mark.parametrize("x_shape, pool_param, message", [
    ((1, 2, 7, 8), {"pool_height": 2, "pool_width": 2, "stride": 2}, "height .* not an integer"),
    ((1, 1, 7, 7), {"pool_height": 3, "pool_width": 2, "stride": 2}, "width .* not an integer"),
    ((1, 1, 2, 2), {"pool_height": 3, "pool_width": 3, "stride": 1}, "larger than"),
    ((1, 1, 4, 4), {"pool_height": 2, "pool_width": 2, "stride": 0}, "stride"),
])
def test_max_pool_rejects_invalid_shapes(backend, x_shape, pool_param, message):
    with pytest.raises(ValueError, match=message):
        fast_layers.max_pool_forward_fast(np.zeros(x_shape), pool_param)


def test_backends_agree_on_a_cifar_sized_batch(rng):
    """Both backends give the same numbers on a small batch of CIFAR-shaped data."""
    _require_compiled()
    x = rng.standard_normal((4, 3, 32, 32))
    w = rng.standard_normal((8, 3, 3, 3))
    b = rng.standard_normal(8)
    pool_param = {"pool_height": 3, "pool_width": 3, "stride": 1}
    results = {}
    previous = fast_layers.BACKEND
    try:
        for name in ("cython", "numpy"):
            fast_layers.use_backend(name)
            out, conv_cache = fast_layers.conv_forward_fast(x, w, b, {"stride": 1, "pad": 1})
            pooled, pool_cache = fast_layers.max_pool_forward_fast(out, pool_param)
            dout = np.cos(np.arange(pooled.size)).reshape(pooled.shape)
            grads = fast_layers.conv_backward_fast(
                fast_layers.max_pool_backward_fast(dout, pool_cache), conv_cache)
            results[name] = (pooled,) + grads
    finally:
        fast_layers.use_backend(previous)
    for a, b_ in zip(results["cython"], results["numpy"]):
        assert_within(rel_error(a, b_), 1e-10)


# ------------------------------------------- choosing the backend, the notice

def run_python(code, env_value=None):
    """Run code in a fresh interpreter with COURSE_FAST_LAYERS set (or unset)."""
    env = dict(os.environ)
    env.pop(fast_layers.ENV_VAR, None)
    if env_value is not None:
        env[fast_layers.ENV_VAR] = env_value
    env["PYTHONPATH"] = REPO_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


USE_THE_LAYERS = """
import numpy as np
from cs_utils import fast_layers
from cs_utils.fast_layers import conv_forward_fast, max_pool_forward_fast
import cs_utils.fast_layers
x = np.arange(2 * 2 * 4 * 4, dtype=float).reshape(2, 2, 4, 4)
for _ in range(2):
    out, _ = conv_forward_fast(x, np.ones((3, 2, 3, 3)), np.zeros(3), {"stride": 1, "pad": 1})
    max_pool_forward_fast(out, {"pool_height": 3, "pool_width": 3, "stride": 1})
print("backend:", fast_layers.BACKEND)
"""
HIDE_THE_EXTENSION = "import sys; sys.modules['cs_utils._im2col_cython'] = None\n"


def test_fallback_prints_one_notice_to_stdout():
    result = run_python(HIDE_THE_EXTENSION + USE_THE_LAYERS)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # nbgrader zeroes a cell that writes to stderr
    assert result.stdout.count(fast_layers.FALLBACK_NOTICE) == 1
    assert result.stdout.count("cs_utils.fast_layers") == 1
    assert "pip install -e ." in result.stdout
    assert result.stdout.rstrip().endswith("backend: numpy")


def test_environment_variable_forces_the_fallback():
    result = run_python(USE_THE_LAYERS, env_value="numpy")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.count(fast_layers.FORCED_NOTICE) == 1
    assert result.stdout.count("cs_utils.fast_layers") == 1
    assert result.stdout.rstrip().endswith("backend: numpy")


def test_compiled_backend_prints_nothing():
    _require_compiled()
    result = run_python(USE_THE_LAYERS)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == "backend: cython\n"


def test_asking_for_cython_without_the_extension_fails_clearly():
    result = run_python(HIDE_THE_EXTENSION + USE_THE_LAYERS, env_value="cython")
    assert result.returncode != 0
    assert "ImportError" in result.stderr and "pip install -e ." in result.stderr


def test_unknown_environment_value_fails_clearly():
    result = run_python(USE_THE_LAYERS, env_value="fast-please")
    assert result.returncode != 0
    assert "COURSE_FAST_LAYERS='fast-please' is not one of auto, cython, numpy" in result.stderr
