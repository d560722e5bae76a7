"""im2col, col2im and max pooling in pure numpy: the fallback for the compiled extension.

A convolution is a matrix product once every patch of the input the kernel visits is
laid out as a column. For an input ``x`` of shape (N, C, H, W), a kernel of HH x WW,
zero padding ``pad`` and step ``stride``::

    cols[(c * HH + i) * WW + j, (n * Ho + oh) * Wo + ow] = xpad[n, c, oh * stride + i, ow * stride + j]

so that the matrix product ``w.reshape(F, -1) @ cols`` convolves every image with
every filter. ``col2im`` is the adjoint: it adds every column entry back onto the
pixel it was copied from, which is how the backward pass turns the gradient of the
columns into the gradient of the image.

The pooling kernels, :func:`max_pool_forward` and :func:`max_pool_backward`, find each
window's first maximum and route its gradient there, without copying any window.

``cs_utils.fast_layers`` uses the compiled versions in ``cs_utils._im2col_cython`` when
they are built and these otherwise. Both have the same signatures and results.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def im2col(x, HH, WW, pad, stride, Ho, Wo):
    """Patches of ``x`` as columns.

    Inputs:
    - x: array of shape (N, C, H, W).
    - HH, WW: kernel height and width.
    - pad, stride: zero padding on each side of both spatial axes, and the step
      between neighbouring patches.
    - Ho, Wo: output height and width, ``(H + 2 * pad - HH) // stride + 1`` and the
      same for the width (the caller checks that the division is exact).

    Returns a new C-contiguous array ``cols`` of shape (C * HH * WW, N * Ho * Wo), of
    the dtype of ``x``.
    """
    N, C = x.shape[:2]
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    # windows[n, c, a, b, i, j] = xpad[n, c, a + i, b + j]: a view, nothing is copied.
    windows = sliding_window_view(x, (HH, WW), axis=(2, 3))
    windows = windows[:, :, : (Ho - 1) * stride + 1 : stride, : (Wo - 1) * stride + 1 : stride]
    # (N, C, Ho, Wo, HH, WW) -> (C, HH, WW, N, Ho, Wo); the reshape makes the one copy.
    return windows.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, N * Ho * Wo)


def col2im(cols, N, C, H, W, HH, WW, pad, stride, Ho, Wo):
    """Scatter-add columns back into an image: the adjoint of :func:`im2col`.

    Inputs:
    - cols: array of shape (C * HH * WW, N * Ho * Wo).
    - N, C, H, W: batch size, channels, height and width of the unpadded image.
    - HH, WW, pad, stride, Ho, Wo: as for :func:`im2col`.

    Returns dx of shape (N, C, H, W), C-contiguous. Pixels covered by several patches
    receive the sum of their entries; entries that came from the padding are dropped.
    """
    cols = cols.reshape(C, HH, WW, N, Ho, Wo).transpose(3, 0, 1, 2, 4, 5)
    dxpad = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    # One vectorized add per kernel offset: within one offset the patches never
    # overlap, so a plain += is exact (no np.add.at needed).
    for i in range(HH):
        rows = slice(i, i + (Ho - 1) * stride + 1, stride)
        for j in range(WW):
            columns = slice(j, j + (Wo - 1) * stride + 1, stride)
            dxpad[:, :, rows, columns] += cols[:, :, i, j]
    if pad:
        return np.ascontiguousarray(dxpad[:, :, pad : pad + H, pad : pad + W])
    return dxpad


# ------------------------------------------------------------- max pooling

def _window_offsets(x, ph, pw, stride, Ho, Wo):
    """For each offset (i, j) of a pooling window, in row-major order, the strided view
    ``x[..., i + stride * oh, j + stride * ow]`` of shape (N, C, Ho, Wo): no copy."""
    rows = (Ho - 1) * stride + 1
    cols = (Wo - 1) * stride + 1
    return [x[:, :, i:i + rows:stride, j:j + cols:stride] for i in range(ph) for j in range(pw)]


def max_pool_forward(x, ph, pw, stride, Ho, Wo):
    """Maximum of every pooling window, and where in the window it is.

    Inputs:
    - x: array of shape (N, C, H, W).
    - ph, pw, stride: window height and width, and the step between windows.
    - Ho, Wo: output height and width (the caller checks that they are whole).

    A few elementwise passes per window offset, each over all the windows at once:
    windows that overlap or leave gaps cost no more than ones that tile the input.

    Returns a tuple of:
    - out: (N, C, Ho, Wo), of the dtype of ``x``: the maximum of each window.
    - first: (N, C, Ho, Wo) integers (int8 for windows of up to 127 entries, else
      np.intc): the offset i * pw + j of the window's first maximum in row-major
      order (a later entry must be strictly larger to win).
    """
    views = _window_offsets(x, ph, pw, stride, Ho, Wo)
    out = np.array(views[0], copy=True)
    index_type = np.int8 if ph * pw <= 127 else np.intc
    first = np.zeros(out.shape, dtype=index_type)
    larger = np.empty(out.shape, dtype=bool)
    for k, view in enumerate(views[1:], start=1):
        np.greater(view, out, out=larger)
        np.maximum(out, view, out=out)
        # np.where rather than a masked copy: its speed does not depend on the pattern.
        first = np.where(larger, index_type(k), first)
    return out, first


def max_pool_backward(dout, first, H, W, ph, pw, stride):
    """Route each window's gradient to its first maximum.

    Inputs:
    - dout: array of shape (N, C, Ho, Wo), finite.
    - first: (N, C, Ho, Wo) integer offsets, as returned by :func:`max_pool_forward`.
    - H, W: height and width of the pooled input.
    - ph, pw, stride: as for :func:`max_pool_forward`.

    Returns dx of shape (N, C, H, W), of the dtype of ``dout``: every window adds its
    upstream gradient to the input at its first maximum (a sum where overlapping
    windows share that input); zero elsewhere.
    """
    N, C, Ho, Wo = dout.shape
    tiles = ph == pw == stride and Ho * ph == H and Wo * pw == W
    overlap = ph > stride or pw > stride
    # Windows that tile the input write every pixel below: no zeroing pass needed.
    dx = np.empty((N, C, H, W), dtype=dout.dtype) if tiles else np.zeros((N, C, H, W), dout.dtype)
    chosen = np.empty(first.shape, dtype=bool)
    share = np.empty(dout.shape, dtype=dout.dtype) if overlap else None
    # Within one offset no two windows share an input: one pass per offset is exact.
    for k, view in enumerate(_window_offsets(dx, ph, pw, stride, Ho, Wo)):
        np.equal(first, k, out=chosen)
        if overlap:
            np.multiply(dout, chosen, out=share)  # dout where chosen, else 0
            view += share
        else:
            np.multiply(dout, chosen, out=view)
    return dx
