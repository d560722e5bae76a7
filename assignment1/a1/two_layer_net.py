"""A two-layer fully-connected network with a ReLU, built from the layers."""

import numpy as np

from .layers import affine_backward, affine_forward, affine_relu_backward, affine_relu_forward, softmax_loss


class TwoLayerNet:
    """Two-layer network: affine - ReLU - affine - softmax.

    Inputs have D = input_dim numbers each (images are flattened by the first affine
    layer), the hidden layer has H = hidden_dim units, and there are C = num_classes
    classes. The network does not run the optimization itself: a Solver does, through
    ``params`` and ``loss``.

    Attributes:
    - params: dict of the learnable parameters:
      'W1' (D, H), 'b1' (H,), 'W2' (H, C), 'b2' (C,).
    - reg: L2 regularization strength; the loss adds 0.5 * reg * sum(W**2) for W1, W2.
    """

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0):
        """Initialize a new network.

        Inputs:
        - input_dim: D, the size of one input.
        - hidden_dim: H, the size of the hidden layer.
        - num_classes: C, the number of classes.
        - weight_scale: standard deviation of the random initial weights.
        - reg: L2 regularization strength.
        """
        self.params = {}
        self.reg = reg
        # Weights drawn from a Gaussian with mean 0 and standard deviation weight_scale
        # (np.random.randn), biases zero. Keys and shapes as in the class docstring.
        ### BEGIN SOLUTION
        self.params["W1"] = weight_scale * np.random.randn(input_dim, hidden_dim)
        self.params["b1"] = np.zeros(hidden_dim)
        self.params["W2"] = weight_scale * np.random.randn(hidden_dim, num_classes)
        self.params["b2"] = np.zeros(num_classes)
        ### END SOLUTION

    def loss(self, X, y=None):
        """Scores, or the loss and its gradients, for a minibatch.

        Inputs:
        - X: (N, d_1, ..., d_k) inputs, d_1 * ... * d_k = D.
        - y: (N,) labels, 0 <= y[i] < C, or None.

        Returns:
        If y is None, the test-time forward pass only:
        - scores: (N, C) class scores; scores[i, c] is the score of class c for X[i].

        If y is given, a tuple:
        - loss: softmax data loss plus 0.5 * reg * (sum(W1**2) + sum(W2**2)) (float).
        - grads: dict with the keys of self.params; grads[k] is the gradient of the
          loss with respect to self.params[k], of the same shape.
        """
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        scores = None
        # Forward pass through affine - ReLU - affine to the (N, C) scores, using the
        # functions of layers.py. Keep their caches for the backward pass.
        ### BEGIN SOLUTION
        hidden, hidden_cache = affine_relu_forward(X, W1, b1)
        scores, scores_cache = affine_forward(hidden, W2, b2)
        ### END SOLUTION

        if y is None:
            return scores

        loss, grads = 0.0, {}
        # The loss: softmax_loss of the scores plus the regularization term. Then the
        # backward pass from the gradient of the scores down to every parameter; the
        # regularization adds reg * W to the gradients of W1 and W2 (the 0.5 cancels
        # the 2), and nothing to the biases.
        ### BEGIN SOLUTION
        loss, dscores = softmax_loss(scores, y)
        loss += 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

        dhidden, grads["W2"], grads["b2"] = affine_backward(dscores, scores_cache)
        _, grads["W1"], grads["b1"] = affine_relu_backward(dhidden, hidden_cache)
        grads["W2"] += self.reg * W2
        grads["W1"] += self.reg * W1
        ### END SOLUTION
        return float(loss), grads
