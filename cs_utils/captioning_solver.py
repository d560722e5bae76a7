"""The CaptioningSolver: the shared Solver's training loop for image-captioning models.

A captioning model (Assignment 3's CaptioningRNN) has

- ``model.params``: a dict from parameter names to numpy arrays;
- ``model.loss(features, captions) -> (loss, grads)`` with features of shape (N, D),
  captions of shape (N, T + 1) and ``grads`` with the keys and shapes of ``params``.

Only two things differ from training a classifier with ``cs_utils.solver.Solver``: a
minibatch is a set of captions with the features of their images, and there is no
accuracy to check (a caption is judged by reading it), so the parameters at the end of
training are those of the last iteration. Example::

    from cs_utils.captioning import load_coco_data
    from cs_utils.captioning_solver import CaptioningSolver

    data = load_coco_data(max_train=5000)
    model = CaptioningRNN(data["word_to_idx"], input_dim=data["train_features"].shape[1])
    solver = CaptioningSolver(model, data, update_rule="adam",
                              optim_config={"learning_rate": 5e-3}, lr_decay=0.95,
                              num_epochs=10, batch_size=100, print_every=50)
    solver.train()
    solver.loss_history         # one training loss per iteration
"""

import numpy as np

from . import optim
from .solver import BUILT_IN_UPDATE_RULES, DEFAULT_OPTIONS, Solver, update_rules_in


CAPTIONING_OPTIONS = {
    **{name: DEFAULT_OPTIONS[name] for name in ("update_rule", "optim_module", "optim_config",
                                                "lr_decay", "batch_size", "num_epochs",
                                                "print_every", "verbose")},
    "seed": None,
}

REQUIRED_CAPTIONING_DATA = ("train_captions", "train_image_idxs", "train_features")


class CaptioningSolver(Solver):
    """Train a captioning model with minibatch stochastic gradient descent.

    ``CaptioningSolver(model, data, **options)``

    Inputs:
    - model: an object with ``params`` and ``loss(features, captions)`` as described at
      the top of this module.
    - data: a dict as ``cs_utils.captioning.load_coco_data`` returns it; training reads
      ``train_captions`` (N_cap, T + 1) integers, ``train_image_idxs`` (N_cap,) the
      image of each caption, and ``train_features`` (N_img, D). Other keys are ignored.

    Options (all keyword-only; defaults in brackets):
    - update_rule ["sgd"]: a function ``update(w, dw, config) -> (next_w, config)`` or
      the name of one. A name is looked up as by ``cs_utils.solver.Solver``: first in
      ``optim_module`` (by default the ``optim`` module of the model's package, if it
      has one; ``a3`` has none), then among the rules this solver provides: ``"sgd"``
      and every rule of ``cs_utils.optim``, the update rules Assignment 3 provides
      (``"adam"``).
    - optim_module [None], optim_config [{}], lr_decay [1.0], batch_size [100],
      num_epochs [10], print_every [10], verbose [True]: as for
      ``cs_utils.solver.Solver``. An epoch is
      ``max(N_cap // batch_size, 1)`` iterations; each minibatch is batch_size
      captions drawn with replacement.
    - seed [None]: seed of the generator that draws the minibatches; None draws them
      from numpy's global generator (``np.random.seed`` makes a run repeatable).

    After ``train()``, ``loss_history`` holds one loss per iteration and
    ``model.params`` the parameters of the last iteration.
    """

    OPTIONS = CAPTIONING_OPTIONS
    UPDATE_RULES = {**BUILT_IN_UPDATE_RULES, **update_rules_in(optim)}

    def _load_data(self, data):
        missing = [key for key in REQUIRED_CAPTIONING_DATA if key not in data]
        if missing:
            raise KeyError(f"CaptioningSolver data is missing {', '.join(missing)}; "
                           f"it needs {', '.join(REQUIRED_CAPTIONING_DATA)}")
        captions = np.asarray(data["train_captions"])
        image_idxs = np.asarray(data["train_image_idxs"])
        features = np.asarray(data["train_features"])
        if captions.ndim != 2 or len(captions) == 0:
            raise ValueError(f"train_captions must be a non-empty (N_cap, T + 1) array, "
                             f"got shape {captions.shape}")
        if image_idxs.shape != (len(captions),):
            raise ValueError(f"train_image_idxs must have one image index per caption, "
                             f"shape {(len(captions),)}, got {image_idxs.shape}")
        if image_idxs.min() < 0 or image_idxs.max() >= len(features):
            raise ValueError(f"train_image_idxs must index the {len(features)} rows of "
                             f"train_features")
        self.train_captions = captions
        self.train_image_idxs = image_idxs
        self.train_features = features

    def _load_options(self, settings):
        self.seed = settings["seed"]
        self._rng = np.random if self.seed is None else np.random.default_rng(self.seed)
        self.checkpoint_name = None         # captioning runs are not checkpointed
        self._losses_reported = 0

    def _num_train(self):
        return len(self.train_captions)

    def _sample_minibatch(self):
        """``(features, captions)`` of batch_size random captions and their images."""
        batch = self._rng.choice(self._num_train(), self.batch_size)
        captions = self.train_captions[batch]
        features = self.train_features[self.train_image_idxs[batch]]
        return features, captions

    def _evaluate(self, final_epoch):
        """No accuracy to check: report the mean loss of the epoch that just ended."""
        new_losses = self.loss_history[self._losses_reported:]
        self._losses_reported = len(self.loss_history)
        if new_losses:
            self._say(f"(Epoch {self.epoch} / {final_epoch}) "
                      f"mean training loss: {np.mean(new_losses):f}")
