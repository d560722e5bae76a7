"""Argument checks shared by the Solver and the fast layers."""

import numpy as np


def integer_at_least(value, name, minimum=1):
    """``value`` as an int, or a ValueError naming ``name`` if it is not an integer
    (booleans excluded) of at least ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)
