"""A fully-connected network of any depth, with optional dropout and normalization."""

import numpy as np

from .layer_utils import (affine_norm_relu_backward, affine_norm_relu_forward, affine_relu_backward,
                          affine_relu_forward)
from .layers import affine_backward, affine_forward, dropout_backward, dropout_forward, softmax_loss

WEIGHT_INITS = ("xavier", "kaiming")
NORMALIZATIONS = (None, "batchnorm", "layernorm")


def initial_weight_std(fan_in, weight_scale):
    """Standard deviation of the initial weights of a layer with fan_in inputs.

    A unit of the layer sums fan_in products of a weight and an input. With
    independent zero-mean weights of variance s**2, the sum has fan_in * s**2 times
    the variance of one input, so the weight scale decides whether activations grow,
    shrink or keep their size from layer to layer:

    - a number: that standard deviation for every layer, whatever its size;
    - 'xavier': sqrt(1 / fan_in), which keeps the variance of the activations from
      layer to layer when there is no nonlinearity (and roughly for tanh);
    - 'kaiming': sqrt(2 / fan_in), the same for ReLU networks: a ReLU zeroes about
      half of its inputs, which halves the second moment, and the 2 makes up for it.

    Inputs:
    - fan_in: number of inputs of each unit (D for a weight matrix of shape (D, M)).
    - weight_scale: a positive number, 'xavier' or 'kaiming'.

    Returns the standard deviation (float).
    """
    if isinstance(weight_scale, str) and weight_scale not in WEIGHT_INITS:
        raise ValueError(f"weight_scale must be a number or one of {WEIGHT_INITS}, "
                         f"not {weight_scale!r}")
    std = None
    # The three cases of the docstring.
    ### BEGIN SOLUTION
    if weight_scale == "xavier":
        std = np.sqrt(1.0 / fan_in)
    elif weight_scale == "kaiming":
        std = np.sqrt(2.0 / fan_in)
    else:
        std = weight_scale
    ### END SOLUTION
    return float(std)


class FullyConnectedNet:
    """A fully-connected network with L = len(hidden_dims) + 1 affine layers:

        {affine - [batch/layer norm] - ReLU - [dropout]} x (L - 1) - affine - softmax

    The parts in brackets are optional. Inputs have D = input_dim numbers each
    (images are flattened by the first affine layer) and there are C = num_classes
    classes. As with TwoLayerNet, a Solver runs the optimization through ``params``
    and ``loss``.

    Attributes:
    - params: dict of the learnable parameters. For layer l = 1, ..., L: 'Wl' of shape
      (size of layer l - 1, size of layer l) and 'bl' of shape (size of layer l,),
      where layer 0 has size D and layer L has size C. With normalization, also
      'gammal' and 'betal' of shape (size of layer l,) for the hidden layers
      l = 1, ..., L - 1 (the last layer is never normalized).
    - bn_params: one dict per hidden layer, passed to batchnorm_forward as bn_param
      (or to layernorm_forward as ln_param); it keeps the running statistics. Empty
      without normalization.
    - dropout_param: the dict passed to dropout_forward (empty without dropout).
    - num_layers: L.
    - reg: L2 regularization strength; the loss adds 0.5 * reg * sum(W**2) over all
      weight matrices W1, ..., WL (not the biases, gammas or betas).
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10, dropout_keep_ratio=1,
                 normalization=None, reg=0.0, weight_scale=1e-2, dtype=np.float32, seed=None):
        """Initialize a new network.

        Inputs:
        - hidden_dims: list of the sizes of the hidden layers.
        - input_dim: D, the size of one input.
        - num_classes: C, the number of classes.
        - dropout_keep_ratio: probability of keeping a unit in dropout; 1 means no
          dropout layers.
        - normalization: None, 'batchnorm' or 'layernorm'.
        - reg: L2 regularization strength.
        - weight_scale: standard deviation of the initial weights, or 'xavier' or
          'kaiming' to choose it for each layer from its size (see
          initial_weight_std). Biases start at 0, gammas at 1 and betas at 0.
        - dtype: numpy type of the parameters and computations: np.float32 trains
          faster, np.float64 is needed for gradient checks.
        - seed: if not None, passed to the dropout layers, which then draw the same
          mask at every call (for gradient checks). The initial weights always come
          from numpy's global generator (np.random.seed for repeatable runs).
        """
        if normalization not in NORMALIZATIONS:
            raise ValueError(f"normalization must be one of {NORMALIZATIONS}, not {normalization!r}")
        if not 0 < dropout_keep_ratio <= 1:
            raise ValueError(f"dropout_keep_ratio is the probability of keeping a unit and must "
                             f"be in (0, 1], not {dropout_keep_ratio!r}")
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}
        # For each layer l = 1, ..., L: 'Wl' from np.random.randn times the standard
        # deviation given by initial_weight_std, 'bl' zeros and, with normalization and
        # only for the hidden layers, 'gammal' ones and 'betal' zeros. Names and shapes
        # as in the class docstring.
        ### BEGIN SOLUTION
        sizes = [input_dim, *hidden_dims, num_classes]
        for layer in range(1, self.num_layers + 1):
            fan_in, fan_out = sizes[layer - 1], sizes[layer]
            std = initial_weight_std(fan_in, weight_scale)
            self.params[f"W{layer}"] = std * np.random.randn(fan_in, fan_out)
            self.params[f"b{layer}"] = np.zeros(fan_out)
            if self.normalization is not None and layer < self.num_layers:
                self.params[f"gamma{layer}"] = np.ones(fan_out)
                self.params[f"beta{layer}"] = np.zeros(fan_out)
        ### END SOLUTION

        # Dropout and normalization layers keep their settings and state in these
        # dicts; loss() sets their mode.
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed
        self.bn_params = []
        if self.normalization is not None:
            self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]

        for name, value in self.params.items():
            self.params[name] = value.astype(dtype)

    def loss(self, X, y=None):
        """Scores, or the loss and its gradients, for a minibatch.

        Without labels the network runs in 'test' mode (batch normalization uses its
        running statistics, dropout keeps every unit); with labels in 'train' mode.

        Inputs:
        - X: (N, d_1, ..., d_k) inputs, d_1 * ... * d_k = D.
        - y: (N,) labels, 0 <= y[i] < C, or None.

        Returns:
        If y is None:
        - scores: (N, C) class scores.

        If y is given, a tuple:
        - loss: softmax data loss plus 0.5 * reg * sum(W**2) over all weights (float).
        - grads: dict with the keys of self.params; grads[k] is the gradient of the
          loss with respect to self.params[k], of the same shape.
        """
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        for bn_param in self.bn_params:
            bn_param["mode"] = mode

        scores = None
        # Forward pass. Each hidden layer l is affine_relu_forward, or, with
        # normalization, affine_norm_relu_forward with gammal, betal,
        # self.bn_params[l - 1] and self.normalization; with dropout, follow it by
        # dropout_forward with self.dropout_param. The last layer is affine_forward
        # alone. Keep every cache for the backward pass.
        ### BEGIN SOLUTION
        L = self.num_layers
        caches = []
        out = X
        for layer in range(1, L):
            W, b = self.params[f"W{layer}"], self.params[f"b{layer}"]
            if self.normalization is None:
                out, layer_cache = affine_relu_forward(out, W, b)
            else:
                gamma, beta = self.params[f"gamma{layer}"], self.params[f"beta{layer}"]
                out, layer_cache = affine_norm_relu_forward(out, W, b, gamma, beta,
                                                            self.bn_params[layer - 1],
                                                            self.normalization)
            dropout_cache = None
            if self.use_dropout:
                out, dropout_cache = dropout_forward(out, self.dropout_param)
            caches.append((layer_cache, dropout_cache))
        scores, scores_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])
        ### END SOLUTION

        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        # Loss: softmax_loss of the scores plus the regularization of every weight
        # matrix. Backward pass: the layers of the forward pass in reverse order, each
        # with its own backward function and cache. Add reg * W to the gradient of
        # each W (nothing to the biases, gammas and betas).
        ### BEGIN SOLUTION
        loss, dscores = softmax_loss(scores, y)
        for layer in range(1, L + 1):
            W = self.params[f"W{layer}"]
            loss += 0.5 * self.reg * np.sum(W * W)

        dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dscores, scores_cache)
        for layer in range(L - 1, 0, -1):
            layer_cache, dropout_cache = caches[layer - 1]
            if self.use_dropout:
                dout = dropout_backward(dout, dropout_cache)
            if self.normalization is None:
                dout, grads[f"W{layer}"], grads[f"b{layer}"] = affine_relu_backward(dout, layer_cache)
            else:
                (dout, grads[f"W{layer}"], grads[f"b{layer}"], grads[f"gamma{layer}"],
                 grads[f"beta{layer}"]) = affine_norm_relu_backward(dout, layer_cache)
        for layer in range(1, L + 1):
            grads[f"W{layer}"] += self.reg * self.params[f"W{layer}"]
        ### END SOLUTION
        return float(loss), grads
