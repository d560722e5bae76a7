"""Shared support code for the course: everything that is not student work.

Modules
-------
gradient_check  numerical gradients and relative errors
data            CIFAR-10 loading, splits and preprocessing (real or generated data)
synthetic       the small offline dataset the project generates
features        HOG and colour-histogram image features
plotting        image grids and training curves
notebook        notebook set-up and the quick mode used under nbgrader and CI
solver          the Solver that trains the assignment models
concept_checks  self-checking exam-style questions and their scoring
instructor      release, autograde and feedback tooling (instructors only)
"""

__version__ = "0.1.0"
