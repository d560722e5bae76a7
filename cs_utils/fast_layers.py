"""Fast convolution and max pooling, for training ConvNets in reasonable time.

These are provided, not student work: the naive loop versions that students write in
assignment 2 compute the same results, only much more slowly.

How they are fast
-----------------
*Convolution* rewrites the sliding window as a matrix product. ``im2col`` copies
every patch the kernel visits into a column of a matrix of shape
(C * HH * WW, N * Ho * Wo); the weights reshaped to (F, C * HH * WW) times that matrix
is the convolution of every image with every filter, done by the BLAS library. The
backward pass is two more matrix products (for ``dw`` and for the gradient of the
columns) and ``col2im``, which adds the gradient of each column entry back onto the
pixel it was copied from. The columns are built for a few images at a time, a few
megabytes, and used while they are still in the processor's cache: that is faster
than one product over the whole batch, and needs far less memory.

*Max pooling* with square windows that tile the input (2x2 with stride 2 on an even
size, the usual case) needs no copy: a reshape gives, for each position in the window,
a strided view of the input, and the output is their elementwise maximum. Other
windows (overlapping ones, or ones that do not tile the input) go through ``im2col``.
The backward pass routes each window's gradient to ONE input, the first maximum in
row-major order when several entries tie, like the naive layer does.

Backends
--------
im2col and col2im come in two versions with the same results:

- ``"cython"``: compiled from ``cs_utils/_im2col_cython.pyx`` by
  ``python -m pip install -e .`` in the course folder (needs a C compiler);
- ``"numpy"``: pure numpy (``cs_utils/im2col.py``), slower, always available.

The compiled one is used when it is built; otherwise the numpy one is, and a notice
saying so is printed once (to stdout). ``BACKEND`` names the one in use. The
environment variable ``COURSE_FAST_LAYERS`` chooses: ``auto`` (the default),
``cython`` (fail if it is not built) or ``numpy``. :func:`use_backend` switches at run
time.
"""

import os

import numpy as np

from cs_utils import im2col as _numpy_kernels

from .checks import integer_at_least

ENV_VAR = "COURSE_FAST_LAYERS"
CHOICES = ("auto", "cython", "numpy")

BUILD_HINT = (
    "To build the compiled one, install a C compiler (build-essential on Linux, the "
    "Xcode command line tools on macOS, the Microsoft C++ Build Tools on Windows) and run "
    "`python -m pip install -e .` in the course folder, then restart the kernel."
)
FALLBACK_NOTICE = (
    "cs_utils.fast_layers: the compiled im2col extension is not built, so the fast "
    "layers use the pure-numpy fallback (same results, slower). " + BUILD_HINT
)
FORCED_NOTICE = (
    f"cs_utils.fast_layers: using the pure-numpy im2col because {ENV_VAR}=numpy; "
    "unset it to use the compiled one."
)


def _import_compiled():
    """The compiled kernels module, or None and the ImportError if it is not built."""
    try:
        from cs_utils import _im2col_cython
    except ImportError as err:
        return None, err
    return _im2col_cython, None


def _choose_backend(environ=os.environ):
    """(name, kernels module, notice or None) for the backend the environment asks for."""
    choice = environ.get(ENV_VAR, "").strip().lower() or "auto"
    if choice not in CHOICES:
        raise ValueError(f"{ENV_VAR}={environ.get(ENV_VAR)!r} is not one of "
                         f"{', '.join(CHOICES)}")
    if choice == "numpy":
        return "numpy", _numpy_kernels, FORCED_NOTICE
    compiled, err = _import_compiled()
    if compiled is not None:
        return "cython", compiled, None
    if choice == "cython":
        raise ImportError(f"{ENV_VAR}=cython but the compiled im2col extension cannot be "
                          f"imported ({err}). {BUILD_HINT}") from err
    return "numpy", _numpy_kernels, FALLBACK_NOTICE


BACKEND, _kernels, _notice = _choose_backend()
if _notice:
    print(_notice)  # stdout: nbgrader gives zero to a cell that writes to stderr
del _notice


def available_backends():
    """The backends that can be used in this process: ``["cython", "numpy"]`` or ``["numpy"]``."""
    return (["cython"] if _import_compiled()[0] is not None else []) + ["numpy"]


def use_backend(name):
    """Switch the backend used from now on to ``"cython"`` or ``"numpy"``.

    Returns the name of the previous backend, so a caller can switch back. Raises
    ImportError if ``"cython"`` is asked for and the extension is not built.
    """
    global BACKEND, _kernels
    if name == "numpy":
        kernels = _numpy_kernels
    elif name == "cython":
        kernels, err = _import_compiled()
        if kernels is None:
            raise ImportError(f"the compiled im2col extension cannot be imported ({err}). "
                              f"{BUILD_HINT}") from err
    else:
        raise ValueError(f"unknown backend {name!r}; use 'cython' or 'numpy'")
    previous, BACKEND, _kernels = BACKEND, name, kernels
    return previous


# ------------------------------------------------------------------ checks

def _float_dtype(*arrays):
    """float32 if every array is float32, else float64 (ints and halves become float64)."""
    dtype = np.result_type(*arrays)
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)


def _output_size(size, window, pad, stride, axis, layer):
    """(size + 2 * pad - window) / stride + 1, or a ValueError if it is not a positive integer."""
    span = size + 2 * pad - window
    padded = f"{size} + 2 * {pad}" if pad else f"{size}"
    if span < 0:
        raise ValueError(
            f"{layer}: the window {axis} ({window}) is larger than the "
            f"{'padded ' if pad else ''}input {axis} ({padded})")
    if span % stride:
        raise ValueError(
            f"{layer}: the output {axis} ({padded} - {window}) / {stride} + 1 = "
            f"{span / stride + 1:g} is not an integer; change the stride, the "
            f"{'padding ' if pad else ''}or the window size so that the windows fit "
            "the input exactly")
    return span // stride + 1


def _check_images(x, layer):
    if x.ndim != 4:
        raise ValueError(f"{layer}: x must have shape (N, C, H, W), got shape {x.shape}")


# The columns are built a few images at a time, about this many bytes at once: small
# enough to stay in the processor's cache between im2col and the matrix product that
# reads them, and to keep the memory use small; big enough for an efficient product.
# None builds the columns of the whole batch at once (one matrix product).
CHUNK_BYTES = 4 * 2**20


def _chunks(N, bytes_per_image):
    """Slices of the batch, each of about CHUNK_BYTES of columns (at least one image)."""
    if CHUNK_BYTES is None:
        return [slice(0, N)]
    step = max(1, int(CHUNK_BYTES) // max(1, bytes_per_image))
    return [slice(start, min(start + step, N)) for start in range(0, N, step)]


# ------------------------------------------------------------- convolution

def conv_forward_fast(x, w, b, conv_param):
    """Forward pass of a convolutional layer, by im2col and a matrix product.

    The columns are built and multiplied a few images at a time (see CHUNK_BYTES).

    Inputs:
    - x: input data of shape (N, C, H, W).
    - w: filter weights of shape (F, C, HH, WW).
    - b: biases of shape (F,).
    - conv_param: dict with
      - 'stride': step between neighbouring receptive fields, both directions;
      - 'pad': number of zeros added on each side of the height and width axes.

    The output size must be whole: (H + 2 * pad - HH) must be divisible by the stride,
    and likewise for the width; otherwise a ValueError says so.

    Returns a tuple of:
    - out: output of shape (N, F, H', W') where
      H' = 1 + (H + 2 * pad - HH) // stride and W' = 1 + (W + 2 * pad - WW) // stride.
      Its dtype is float32 if x, w and b are all float32, else float64.
    - cache: (x, w, b, conv_param, kernels) for conv_backward_fast. The backward pass
      rebuilds the im2col columns a few images at a time rather than keeping the
      whole (C * HH * WW, N * H' * W') matrix, which for a CIFAR batch would take
      hundreds of megabytes.
    """
    layer = "conv_forward_fast"
    stride = integer_at_least(conv_param.get("stride", 1), "conv_param['stride']")
    pad = integer_at_least(conv_param.get("pad", 0), "conv_param['pad']", minimum=0)
    x, w, b = np.asarray(x), np.asarray(w), np.asarray(b)
    dtype = _float_dtype(x, w, b)
    _check_images(x, layer)
    if w.ndim != 4 or w.shape[1] != x.shape[1]:
        raise ValueError(f"{layer}: w must have shape (F, C, HH, WW) with C = {x.shape[1]} "
                         f"input channels, got shape {w.shape}")
    if b.shape != (w.shape[0],):
        raise ValueError(f"{layer}: b must have shape ({w.shape[0]},), got shape {b.shape}")
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Ho = _output_size(H, HH, pad, stride, "height", layer)
    Wo = _output_size(W, WW, pad, stride, "width", layer)

    x = np.ascontiguousarray(x, dtype=dtype)  # no copy if it already is; never written
    w_mat = w.astype(dtype, copy=False).reshape(F, -1)     # (F, C*HH*WW)
    b = b.astype(dtype, copy=False)
    kernels = _kernels
    out = np.empty((N, F, Ho, Wo), dtype=dtype)
    for part in _chunks(N, w_mat.shape[1] * Ho * Wo * dtype.itemsize):
        cols = kernels.im2col(x[part], HH, WW, pad, stride, Ho, Wo)  # (C*HH*WW, n*Ho*Wo)
        product = w_mat @ cols                                       # (F, n*Ho*Wo)
        # Reorder to (n, F, Ho, Wo) and add the bias in the same pass.
        n = part.stop - part.start
        np.add(product.reshape(F, n, Ho, Wo).transpose(1, 0, 2, 3), b.reshape(1, F, 1, 1),
               out=out[part])
    cache = (x, w, b, conv_param, kernels)
    return out, cache


def conv_backward_fast(dout, cache):
    """Backward pass of a convolutional layer.

    Inputs:
    - dout: upstream gradient of shape (N, F, H', W').
    - cache: the cache returned by conv_forward_fast.

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W).
    - dw: gradient with respect to w, of shape (F, C, HH, WW).
    - db: gradient with respect to b, of shape (F,).
    """
    x, w, b, conv_param, kernels = cache
    stride, pad = int(conv_param.get("stride", 1)), int(conv_param.get("pad", 0))
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    dout = np.asarray(dout)
    if dout.shape != (N, F, Ho, Wo):
        raise ValueError(f"conv_backward_fast: dout must have the output's shape "
                         f"{(N, F, Ho, Wo)}, got {dout.shape}")
    dtype = x.dtype
    w_mat_t = np.ascontiguousarray(w.reshape(F, -1).T, dtype=dtype)  # (C*HH*WW, F)
    dw_t = np.zeros(w_mat_t.shape, dtype=dtype)
    dx = np.empty(x.shape, dtype=dtype)
    for part in _chunks(N, w_mat_t.shape[0] * Ho * Wo * dtype.itemsize):
        cols = kernels.im2col(x[part], HH, WW, pad, stride, Ho, Wo)  # as in the forward pass
        # (n, F, Ho, Wo) -> (F, n*Ho*Wo), the column order of cols.
        dout_mat = np.ascontiguousarray(dout[part].transpose(1, 0, 2, 3), dtype=dtype)
        dout_mat = dout_mat.reshape(F, -1)
        dw_t += cols @ dout_mat.T                    # (C*HH*WW, F)
        dcols = w_mat_t @ dout_mat                   # (C*HH*WW, n*Ho*Wo)
        dx[part] = kernels.col2im(dcols, part.stop - part.start, C, H, W,
                                  HH, WW, pad, stride, Ho, Wo)
    dw = np.ascontiguousarray(dw_t.T).reshape(w.shape)
    db = dout.sum(axis=(0, 2, 3), dtype=dtype)
    return dx, dw, db


# ------------------------------------------------------------- max pooling

def max_pool_forward_fast(x, pool_param):
    """Forward pass of a max-pooling layer.

    Inputs:
    - x: input data of shape (N, C, H, W).
    - pool_param: dict with 'pool_height', 'pool_width' and 'stride'. No padding.

    Square windows that tile the input (pool_height == pool_width == stride, dividing
    H and W) take a reshape fast path; any other valid windows, overlapping ones
    included, go through im2col. (H - pool_height) must be divisible by the stride,
    and likewise for the width; otherwise a ValueError says so.

    Returns a tuple of:
    - out: output of shape (N, C, H', W') with H' = 1 + (H - pool_height) // stride
      and W' = 1 + (W - pool_width) // stride, float32 if x is, else float64.
    - cache: for max_pool_backward_fast: ("reshape", x, out, pool_param) or
      ("im2col", x, out, pool_param, kernels).
    """
    layer = "max_pool_forward_fast"
    ph = integer_at_least(pool_param["pool_height"], "pool_param['pool_height']")
    pw = integer_at_least(pool_param["pool_width"], "pool_param['pool_width']")
    stride = integer_at_least(pool_param["stride"], "pool_param['stride']")
    x = np.asarray(x)
    _check_images(x, layer)
    x = np.ascontiguousarray(x, dtype=_float_dtype(x))
    N, C, H, W = x.shape
    Ho = _output_size(H, ph, 0, stride, "height", layer)
    Wo = _output_size(W, pw, 0, stride, "width", layer)

    if ph == pw == stride and H % ph == 0 and W % pw == 0:
        # windows[n, c, a, i, b, j] = x[n, c, a * ph + i, b * pw + j]: a view.
        windows = x.reshape(N, C, Ho, ph, Wo, pw)
        out = _elementwise_max([windows[:, :, :, i, :, j] for i in range(ph) for j in range(pw)])
        return out, ("reshape", x, out, pool_param)

    kernels = _kernels
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    for part in _chunks(N, ph * pw * C * Ho * Wo * x.dtype.itemsize):
        # Each channel of each image is pooled alone: N*C one-channel images.
        n = part.stop - part.start
        cols = kernels.im2col(x[part].reshape(n * C, 1, H, W), ph, pw, 0, stride, Ho, Wo)
        out[part] = _elementwise_max(cols).reshape(n, C, Ho, Wo)
    return out, ("im2col", x, out, pool_param, kernels)


def _elementwise_max(rows):
    """Elementwise maximum of a sequence of equally shaped arrays, in a new array.

    Elementwise passes over whole arrays are much faster in numpy than a max over
    the short, strided window axes.
    """
    out = np.array(rows[0], copy=True)
    for row in rows[1:]:
        np.maximum(out, row, out=out)
    return out


def _route_to_first_max(rows, out, dout, grads):
    """Give each window's gradient to its first maximum.

    rows[k] holds the k-th entry (in row-major order) of every window, out the windows'
    maxima, dout their upstream gradients, all of one shape; the gradient for rows[k]
    is written into grads[k] (zero elsewhere, which grads must already hold).
    """
    unclaimed = np.ones(out.shape, dtype=bool)
    first = np.empty(out.shape, dtype=bool)
    for row, grad in zip(rows, grads):
        np.equal(row, out, out=first)
        first &= unclaimed        # a maximum of a window no earlier entry claimed
        np.copyto(grad, dout, where=first)
        unclaimed ^= first        # those windows are claimed now


def max_pool_backward_fast(dout, cache):
    """Backward pass of a max-pooling layer.

    Each window's upstream gradient goes to one input: the window's maximum, and when
    several entries tie for it, the first of them in row-major order within the window.
    An input that is the chosen maximum of several overlapping windows receives the sum.

    Inputs:
    - dout: upstream gradient of shape (N, C, H', W').
    - cache: the cache returned by max_pool_forward_fast.

    Returns dx, the gradient with respect to x, of shape (N, C, H, W).
    """
    path, x, out, pool_param = cache[:4]
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    Ho, Wo = out.shape[2:]
    dout = np.asarray(dout)
    if dout.shape != out.shape:
        raise ValueError(f"max_pool_backward_fast: dout must have the output's shape "
                         f"{out.shape}, got {dout.shape}")

    if path == "reshape":
        windows = x.reshape(N, C, Ho, ph, Wo, pw)
        dx = np.zeros(windows.shape, dtype=x.dtype)
        offsets = [(i, j) for i in range(ph) for j in range(pw)]  # row-major order
        _route_to_first_max([windows[:, :, :, i, :, j] for i, j in offsets], out, dout,
                            [dx[:, :, :, i, :, j] for i, j in offsets])
        return dx.reshape(N, C, H, W)

    kernels = cache[4]
    dx = np.empty(x.shape, dtype=x.dtype)
    # Rebuild the columns, a few images at a time, rather than keep them: they are
    # ph * pw / stride**2 times the size of x.
    for part in _chunks(N, ph * pw * C * Ho * Wo * x.dtype.itemsize):
        n = part.stop - part.start
        cols = kernels.im2col(x[part].reshape(n * C, 1, H, W), ph, pw, 0, stride, Ho, Wo)
        dcols = np.zeros(cols.shape, dtype=x.dtype)
        _route_to_first_max(cols, out[part].reshape(-1), dout[part].reshape(-1), dcols)
        dx_part = kernels.col2im(dcols, n * C, 1, H, W, ph, pw, 0, stride, Ho, Wo)
        dx[part] = dx_part.reshape(n, C, H, W)
    return dx
