"""Interactive explorers for the notebooks: move a slider, see the idea.

Each explorer lives in its own module with a plain computing function (tested on its
own), a widget front end (ipywidgets sliders and dropdowns above a matplotlib figure)
and a static figure for one representative setting, drawn instead of the widgets under
nbgrader, in CI, outside Jupyter, or with COURSE_STATIC_EXPLORERS=1 (for PDF export);
see ``frontend.py``.

The explorers of graded ideas run the student's own code, passed in by the notebook,
and say what to write first while it is not written yet::

    from a1.knn import KNearestNeighbor
    from cs_utils.explorers import knn_explorer
    knn_explorer(KNearestNeighbor);

- ``knn_explorer(KNearestNeighbor)``: a1.knn's classifier;
- ``linear_classifier_explorer(svm_loss, softmax_loss)``: a1's vectorized losses (each
  optional, at least one);
- ``optimizer_race_explorer(optim)``: the module a2.optim; unwritten rules sit out;
- ``rnn_gradient_flow_explorer(rnn_step_forward, rnn_step_backward, clip_grad_norm)``:
  from a3.rnn_layers;
- ``initialization_explorer()`` and ``conv_arithmetic_explorer()`` need no student code.

Every explorer also takes ``static=None`` (True or False forces the choice) and keyword
starting values for its controls, and returns the widget box or the static Figure.
"""

from cs_utils.explorers.conv_arithmetic import conv_arithmetic_explorer
from cs_utils.explorers.initialization import initialization_explorer
from cs_utils.explorers.knn import knn_explorer
from cs_utils.explorers.linear_classifier import linear_classifier_explorer
from cs_utils.explorers.optimizer_race import optimizer_race_explorer
from cs_utils.explorers.rnn_gradient_flow import rnn_gradient_flow_explorer

__all__ = ["knn_explorer", "linear_classifier_explorer", "optimizer_race_explorer",
           "initialization_explorer", "conv_arithmetic_explorer",
           "rnn_gradient_flow_explorer"]
