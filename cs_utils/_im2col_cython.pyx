# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled im2col, col2im and max pooling for ``cs_utils.fast_layers``.

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


# ------------------------------------------------------------- max pooling
#
# The index of a window's maximum is its offset i * pool_width + j in row-major order
# (i down, j across), stored as a C int: the backward pass reads it instead of
# searching the window again.

def max_pool_forward(const floating[:, :, :, ::1] x, Py_ssize_t ph, Py_ssize_t pw,
                     Py_ssize_t stride, Py_ssize_t Ho, Py_ssize_t Wo):
    """Maximum of every pooling window, and where in the window it is.

    Inputs:
    - x: C-contiguous float32 or float64 array of shape (N, C, H, W).
    - ph, pw, stride: window height and width, and the step between windows.
    - Ho, Wo: output height and width (already checked by the caller).

    Returns a tuple of:
    - out: (N, C, Ho, Wo), of the dtype of ``x``: the maximum of each window.
    - first: (N, C, Ho, Wo) of np.intc: the offset i * pw + j of the window's first
      maximum in row-major order (a later entry must be strictly larger to win).
    """
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    dtype = np.float32 if floating is float else np.float64
    out_array = np.empty((N, C, Ho, Wo), dtype=dtype)
    first_array = np.empty((N, C, Ho, Wo), dtype=np.intc)
    cdef floating[:, :, :, ::1] out = out_array
    cdef int[:, :, :, ::1] first = first_array
    cdef const floating *row
    cdef floating best, value
    cdef int where
    cdef Py_ssize_t n, c, oh, ow, i, j
    with nogil:
        for n in range(N):
            for c in range(C):
                for oh in range(Ho):
                    for ow in range(Wo):
                        row = &x[n, c, oh * stride, ow * stride]
                        best = row[0]
                        where = 0
                        for i in range(ph):
                            for j in range(pw):
                                value = row[i * W + j]
                                if value > best:
                                    best = value
                                    where = <int>(i * pw + j)
                        out[n, c, oh, ow] = best
                        first[n, c, oh, ow] = where
    return out_array, first_array


def max_pool_backward(const floating[:, :, :, ::1] dout, const int[:, :, :, ::1] first,
                      Py_ssize_t H, Py_ssize_t W, Py_ssize_t ph, Py_ssize_t pw,
                      Py_ssize_t stride):
    """Route each window's gradient to its first maximum.

    Inputs:
    - dout: C-contiguous float32 or float64 array of shape (N, C, Ho, Wo).
    - first: (N, C, Ho, Wo) of np.intc, as returned by :func:`max_pool_forward`.
    - H, W: height and width of the pooled input.
    - ph, pw, stride: as for :func:`max_pool_forward`.

    Returns dx of shape (N, C, H, W), of the dtype of ``dout``: every window adds its
    upstream gradient to the input at its first maximum (a sum where overlapping
    windows share that input); zero elsewhere.
    """
    cdef Py_ssize_t N = dout.shape[0], C = dout.shape[1], Ho = dout.shape[2], Wo = dout.shape[3]
    dtype = np.float32 if floating is float else np.float64
    # Windows that tile the input cover every pixel once: each band of ph rows is
    # zeroed just before its windows write into it, and no separate pass is needed.
    cdef bint tiles = ph == stride and pw == stride and Ho * ph == H and Wo * pw == W
    result = np.empty((N, C, H, W), dtype=dtype) if tiles else np.zeros((N, C, H, W), dtype=dtype)
    cdef floating[:, :, :, ::1] dx = result
    cdef floating *band
    cdef Py_ssize_t n, c, oh, ow, k, where
    with nogil:
        for n in range(N):
            for c in range(C):
                for oh in range(Ho):
                    band = &dx[n, c, oh * stride, 0]
                    if tiles:
                        for k in range(ph * W):
                            band[k] = 0
                    for ow in range(Wo):
                        where = first[n, c, oh, ow]
                        band[(where // pw) * W + ow * stride + where % pw] += dout[n, c, oh, ow]
    return result
