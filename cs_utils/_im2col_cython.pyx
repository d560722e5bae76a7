# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled im2col and col2im for ``cs_utils.fast_layers``.

Built by ``pip install -e .`` (setuptools runs Cython on this file). The functions
have the same signatures and results as the pure-numpy ones in ``cs_utils.im2col``,
which ``fast_layers`` uses when this extension is missing.

Layout: for an input ``x`` of shape (N, C, H, W) and a kernel of HH x WW,

    cols[(c * HH + i) * WW + j, (n * Ho + oh) * Wo + ow] = xpad[n, c, oh * stride + i, ow * stride + j]

where ``xpad`` is ``x`` with ``pad`` zeros on each side of both spatial axes. The
padding is handled inside the loops: no padded copy of ``x`` is made. Each row of
``cols`` is written front to back, so the writes are sequential in memory.
"""

import numpy as np

from cython cimport floating


cdef inline void _valid_range(Py_ssize_t offset, Py_ssize_t stride, Py_ssize_t size,
                              Py_ssize_t count, Py_ssize_t *lo, Py_ssize_t *hi) noexcept nogil:
    """The outputs o in [lo, hi) whose input index o * stride + offset is in [0, size)."""
    cdef Py_ssize_t first = 0
    cdef Py_ssize_t last = 0
    if offset < 0:
        first = (-offset + stride - 1) // stride
    if size - 1 - offset >= 0:
        last = (size - 1 - offset) // stride + 1
    if last > count:
        last = count
    if first > last:
        first = last
    lo[0] = first
    hi[0] = last


def im2col(const floating[:, :, :, ::1] x, Py_ssize_t HH, Py_ssize_t WW,
           Py_ssize_t pad, Py_ssize_t stride, Py_ssize_t Ho, Py_ssize_t Wo):
    """Patches of ``x`` as columns.

    Inputs:
    - x: C-contiguous float32 or float64 array of shape (N, C, H, W).
    - HH, WW: kernel height and width.
    - pad, stride: zero padding on each side, and the step between patches.
    - Ho, Wo: output height and width (already checked by the caller).

    Returns cols, of shape (C * HH * WW, N * Ho * Wo) and of the dtype of ``x``.
    """
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    dtype = np.float32 if floating is float else np.float64
    result = np.empty((C * HH * WW, N * Ho * Wo), dtype=dtype)
    cdef floating[:, ::1] cols = result
    cdef floating *dst
    cdef const floating *src
    cdef Py_ssize_t n, c, i, j, k, oh, ow, oh_lo, oh_hi, ow_lo, ow_hi
    with nogil:
        for c in range(C):
            for i in range(HH):
                _valid_range(i - pad, stride, H, Ho, &oh_lo, &oh_hi)
                for j in range(WW):
                    _valid_range(j - pad, stride, W, Wo, &ow_lo, &ow_hi)
                    k = (c * HH + i) * WW + j
                    dst = &cols[k, 0]
                    for n in range(N):
                        for oh in range(Ho):
                            if oh < oh_lo or oh >= oh_hi:
                                for ow in range(Wo):
                                    dst[ow] = 0
                            else:
                                src = &x[n, c, oh * stride + i - pad, 0]
                                for ow in range(ow_lo):
                                    dst[ow] = 0
                                if stride == 1:
                                    for ow in range(ow_lo, ow_hi):
                                        dst[ow] = src[ow + j - pad]
                                else:
                                    for ow in range(ow_lo, ow_hi):
                                        dst[ow] = src[ow * stride + j - pad]
                                for ow in range(ow_hi, Wo):
                                    dst[ow] = 0
                            dst += Wo
    return result


def col2im(const floating[:, ::1] cols, Py_ssize_t N, Py_ssize_t C, Py_ssize_t H,
           Py_ssize_t W, Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t pad, Py_ssize_t stride,
           Py_ssize_t Ho, Py_ssize_t Wo):
    """Scatter-add columns back into an image: the adjoint of :func:`im2col`.

    Inputs:
    - cols: C-contiguous float32 or float64 array of shape (C * HH * WW, N * Ho * Wo).
    - N, C, H, W: batch size, channels, height and width of the (unpadded) image.
    - HH, WW, pad, stride, Ho, Wo: as for :func:`im2col`.

    Returns dx of shape (N, C, H, W): every entry of ``cols`` is added to the pixel it
    was copied from; entries that came from the padding are dropped.
    """
    dtype = np.float32 if floating is float else np.float64
    result = np.zeros((N, C, H, W), dtype=dtype)
    cdef floating[:, :, :, ::1] dx = result
    cdef floating *dst
    cdef const floating *src
    cdef Py_ssize_t n, c, i, j, k, oh, ow, oh_lo, oh_hi, ow_lo, ow_hi
    with nogil:
        # One image at a time, so that its gradient stays in the cache while all the
        # kernel offsets are added into it.
        for n in range(N):
            for c in range(C):
                for i in range(HH):
                    _valid_range(i - pad, stride, H, Ho, &oh_lo, &oh_hi)
                    for j in range(WW):
                        _valid_range(j - pad, stride, W, Wo, &ow_lo, &ow_hi)
                        k = (c * HH + i) * WW + j
                        src = &cols[k, n * Ho * Wo]
                        for oh in range(oh_lo, oh_hi):
                            dst = &dx[n, c, oh * stride + i - pad, 0]
                            if stride == 1:
                                for ow in range(ow_lo, ow_hi):
                                    dst[ow + j - pad] += src[oh * Wo + ow]
                            else:
                                for ow in range(ow_lo, ow_hi):
                                    dst[ow * stride + j - pad] += src[oh * Wo + ow]
    return result
