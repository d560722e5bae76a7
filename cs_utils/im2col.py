"""im2col and col2im in pure numpy: the fallback for the compiled extension.

A convolution is a matrix product once every patch of the input the kernel visits is
laid out as a column. For an input ``x`` of shape (N, C, H, W), a kernel of HH x WW,
zero padding ``pad`` and step ``stride``::

    cols[(c * HH + i) * WW + j, (n * Ho + oh) * Wo + ow] = xpad[n, c, oh * stride + i, ow * stride + j]

so that the matrix product ``w.reshape(F, -1) @ cols`` convolves every image with
every filter. ``col2im`` is the adjoint: it adds every column entry back onto the
pixel it was copied from, which is how the backward pass turns the gradient of the
columns into the gradient of the image.

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
