"""Sandwich layers: common stacks of layers as one forward and one backward function.

Nothing to write here: these only chain the layers of layers.py (and the fast
convolution and pooling layers of cs_utils.fast_layers), keeping each part's cache.
Read them to see how caches travel from a forward pass to its backward pass.

The fast layers are imported inside the functions that use them, so importing this
module works even where they cannot be loaded.
"""

from .layers import (affine_backward, affine_forward, batchnorm_backward_alt, batchnorm_forward,
                     layernorm_backward, layernorm_forward, relu_backward, relu_forward)

NORMALIZATIONS = ("batchnorm", "layernorm")


def affine_relu_forward(x, w, b):
    """An affine layer followed by a ReLU.

    Inputs:
    - x: (N, d_1, ..., d_k) input.
    - w: (D, M) weights, D = d_1 * ... * d_k.
    - b: (M,) biases.

    Returns a tuple:
    - out: (N, M) output of the ReLU.
    - cache: (affine cache, relu cache).
    """
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(dout, cache):
    """Backward pass of affine_relu_forward.

    Inputs:
    - dout: (N, M) upstream gradient.
    - cache: (affine cache, relu cache) from affine_relu_forward.

    Returns a tuple (dx, dw, db), shaped like x, w and b.
    """
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    return affine_backward(da, fc_cache)


def affine_norm_relu_forward(x, w, b, gamma, beta, norm_param, normalization):
    """An affine layer, a normalization layer and a ReLU.

    Inputs:
    - x: (N, d_1, ..., d_k) input.
    - w: (D, M) weights, D = d_1 * ... * d_k.
    - b: (M,) biases.
    - gamma: (M,) scale of the normalization.
    - beta: (M,) shift of the normalization.
    - norm_param: bn_param of batchnorm_forward or ln_param of layernorm_forward.
    - normalization: 'batchnorm' or 'layernorm'.

    Returns a tuple:
    - out: (N, M) output of the ReLU.
    - cache: (affine cache, normalization cache, relu cache, normalization).
    """
    if normalization == "batchnorm":
        norm_forward = batchnorm_forward
    elif normalization == "layernorm":
        norm_forward = layernorm_forward
    else:
        raise ValueError(f"normalization must be one of {NORMALIZATIONS}, not {normalization!r}")
    a, fc_cache = affine_forward(x, w, b)
    a_norm, norm_cache = norm_forward(a, gamma, beta, norm_param)
    out, relu_cache = relu_forward(a_norm)
    return out, (fc_cache, norm_cache, relu_cache, normalization)


def affine_norm_relu_backward(dout, cache):
    """Backward pass of affine_norm_relu_forward.

    Inputs:
    - dout: (N, M) upstream gradient.
    - cache: from affine_norm_relu_forward.

    Returns a tuple (dx, dw, db, dgamma, dbeta), shaped like x, w, b, gamma and beta.
    """
    fc_cache, norm_cache, relu_cache, normalization = cache
    norm_backward = batchnorm_backward_alt if normalization == "batchnorm" else layernorm_backward
    da_norm = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = norm_backward(da_norm, norm_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta


def conv_relu_forward(x, w, b, conv_param):
    """A convolutional layer (the fast one) followed by a ReLU.

    Inputs:
    - x: (N, C, H, W) input.
    - w: (F, C, HH, WW) filter weights.
    - b: (F,) biases.
    - conv_param: dict with stride and pad, as for conv_forward_naive.

    Returns a tuple:
    - out: (N, F, H', W') output of the ReLU.
    - cache: (conv cache, relu cache).
    """
    from cs_utils.fast_layers import conv_forward_fast

    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    out, relu_cache = relu_forward(a)
    return out, (conv_cache, relu_cache)


def conv_relu_backward(dout, cache):
    """Backward pass of conv_relu_forward.

    Inputs:
    - dout: (N, F, H', W') upstream gradient.
    - cache: (conv cache, relu cache) from conv_relu_forward.

    Returns a tuple (dx, dw, db), shaped like x, w and b.
    """
    from cs_utils.fast_layers import conv_backward_fast

    conv_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    return conv_backward_fast(da, conv_cache)


def conv_relu_pool_forward(x, w, b, conv_param, pool_param):
    """A convolutional layer, a ReLU and a max-pooling layer (fast conv and pool).

    Inputs:
    - x: (N, C, H, W) input.
    - w: (F, C, HH, WW) filter weights.
    - b: (F,) biases.
    - conv_param: dict with stride and pad, as for conv_forward_naive.
    - pool_param: dict with pool_height, pool_width and stride, as for
      max_pool_forward_naive.

    Returns a tuple:
    - out: (N, F, H'', W'') output of the pooling layer.
    - cache: (conv cache, relu cache, pool cache).
    """
    from cs_utils.fast_layers import conv_forward_fast, max_pool_forward_fast

    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    s, relu_cache = relu_forward(a)
    out, pool_cache = max_pool_forward_fast(s, pool_param)
    return out, (conv_cache, relu_cache, pool_cache)


def conv_relu_pool_backward(dout, cache):
    """Backward pass of conv_relu_pool_forward.

    Inputs:
    - dout: (N, F, H'', W'') upstream gradient.
    - cache: (conv cache, relu cache, pool cache) from conv_relu_pool_forward.

    Returns a tuple (dx, dw, db), shaped like x, w and b.
    """
    from cs_utils.fast_layers import conv_backward_fast, max_pool_backward_fast

    conv_cache, relu_cache, pool_cache = cache
    ds = max_pool_backward_fast(dout, pool_cache)
    da = relu_backward(ds, relu_cache)
    return conv_backward_fast(da, conv_cache)
