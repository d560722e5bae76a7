"""Shared support code for the course: everything that is not student work.

Modules
-------
gradient_check  numerical gradients and relative errors
data            CIFAR-10 loading, splits and preprocessing (real or generated data)
synthetic       the small offline image dataset the project generates
captioning      COCO captions loading, decoding and minibatches (real or generated data)
synthetic_captions  the generated offline captioning dataset
features        HOG and colour-histogram image features
plotting        image grids and training curves
notebook        notebook set-up and the quick mode used under nbgrader and CI
solver          the Solver that trains the assignment models
captioning_solver  the Solver for captioning models (Assignment 3)
optim           update rules provided from Assignment 3 on (Adam)
fast_layers     fast convolution and pooling (Cython im2col, numpy fallback)
explorers       interactive ipywidgets explorers with static fallbacks
concept_checks  self-checking exam-style questions and their scoring
instructor      release, autograde and feedback tooling (instructors only)
"""

__version__ = "0.1.0"
