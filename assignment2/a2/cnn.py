"""A three-layer convolutional network, built from the sandwich layers."""

import numpy as np

from .layer_utils import (affine_relu_backward, affine_relu_forward, conv_relu_pool_backward,
                          conv_relu_pool_forward)
from .layers import affine_backward, affine_forward, softmax_loss


class ThreeLayerConvNet:
    """Three-layer ConvNet:

        conv - ReLU - 2x2 max pool - affine - ReLU - affine - softmax

    The convolution has F = num_filters filters of size filter_size x filter_size,
    stride 1 and zero padding (filter_size - 1) // 2, so it keeps the H x W size of
    the input; the pooling (2x2, stride 2) halves it. Inputs are (N, C, H, W) images.

    Attributes:
    - params: dict of the learnable parameters:
      'W1' (F, C, filter_size, filter_size), 'b1' (F,),
      'W2' (F * (H // 2) * (W // 2), hidden_dim), 'b2' (hidden_dim,),
      'W3' (hidden_dim, num_classes), 'b3' (num_classes,).
    - reg: L2 regularization strength; the loss adds 0.5 * reg * sum(W**2) for W1,
      W2 and W3.
    """

    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100,
                 num_classes=10, weight_scale=1e-3, reg=0.0, dtype=np.float32):
        """Initialize a new network.

        Inputs:
        - input_dim: (C, H, W), the shape of one input image; H and W must be even.
        - num_filters: F, the number of filters of the convolution.
        - filter_size: width and height of the filters; must be odd so that the
          padding keeps the image size.
        - hidden_dim: number of units of the hidden affine layer.
        - num_classes: number of classes.
        - weight_scale: standard deviation of the random initial weights.
        - reg: L2 regularization strength.
        - dtype: numpy type of the parameters and computations (np.float64 for
          gradient checks).
        """
        C, H, W = input_dim
        if filter_size % 2 == 0:
            raise ValueError(f"filter_size must be odd so that a padding of "
                             f"(filter_size - 1) // 2 keeps the image size, not {filter_size}")
        if H % 2 or W % 2:
            raise ValueError(f"2x2 pooling with stride 2 needs an even height and width, "
                             f"not {H}x{W}")
        self.params = {}
        self.reg = reg
        self.dtype = dtype
        # Weights from a Gaussian with mean 0 and standard deviation weight_scale
        # (np.random.randn), biases zero. Keys and shapes as in the class docstring:
        # W2's rows are the inputs of the first affine layer, the pooled feature maps
        # flattened.
        ### BEGIN SOLUTION
        pooled = num_filters * (H // 2) * (W // 2)
        self.params["W1"] = weight_scale * np.random.randn(num_filters, C, filter_size, filter_size)
        self.params["b1"] = np.zeros(num_filters)
        self.params["W2"] = weight_scale * np.random.randn(pooled, hidden_dim)
        self.params["b2"] = np.zeros(hidden_dim)
        self.params["W3"] = weight_scale * np.random.randn(hidden_dim, num_classes)
        self.params["b3"] = np.zeros(num_classes)
        ### END SOLUTION

        for name, value in self.params.items():
            self.params[name] = value.astype(dtype)

    def loss(self, X, y=None):
        """Scores, or the loss and its gradients, for a minibatch.

        Inputs:
        - X: (N, C, H, W) images.
        - y: (N,) labels, 0 <= y[i] < num_classes, or None.

        Returns:
        If y is None:
        - scores: (N, num_classes) class scores.

        If y is given, a tuple:
        - loss: softmax data loss plus 0.5 * reg * sum(W**2) for W1, W2, W3 (float).
        - grads: dict with the keys of self.params; grads[k] is the gradient of the
          loss with respect to self.params[k], of the same shape.
        """
        X = X.astype(self.dtype)
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        W3, b3 = self.params["W3"], self.params["b3"]

        filter_size = W1.shape[2]
        conv_param = {"stride": 1, "pad": (filter_size - 1) // 2}
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

        scores = None
        # Forward pass with conv_relu_pool_forward, affine_relu_forward and
        # affine_forward (the affine layer flattens the pooled maps by itself). Keep
        # the caches.
        ### BEGIN SOLUTION
        pooled, pool_cache = conv_relu_pool_forward(X, W1, b1, conv_param, pool_param)
        hidden, hidden_cache = affine_relu_forward(pooled, W2, b2)
        scores, scores_cache = affine_forward(hidden, W3, b3)
        ### END SOLUTION

        if y is None:
            return scores

        loss, grads = 0.0, {}
        # Loss: softmax_loss plus the regularization. Backward pass through the three
        # stages in reverse order; add reg * W to the gradient of each W.
        ### BEGIN SOLUTION
        loss, dscores = softmax_loss(scores, y)
        loss += 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2) + np.sum(W3 * W3))

        dhidden, grads["W3"], grads["b3"] = affine_backward(dscores, scores_cache)
        dpooled, grads["W2"], grads["b2"] = affine_relu_backward(dhidden, hidden_cache)
        _, grads["W1"], grads["b1"] = conv_relu_pool_backward(dpooled, pool_cache)
        grads["W1"] += self.reg * W1
        grads["W2"] += self.reg * W2
        grads["W3"] += self.reg * W3
        ### END SOLUTION
        return float(loss), grads
