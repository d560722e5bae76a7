"""The controls of an explorer, described without ipywidgets.

An explorer lists its controls as these small records. The live front end turns each
into an ipywidgets 8 widget; the static fallback only reads their default values, so
it works where ipywidgets is not installed.
"""

import numbers
from dataclasses import dataclass


@dataclass(frozen=True)
class IntControl:
    """An integer slider from ``low`` to ``high`` (inclusive) in steps of ``step``."""

    name: str
    default: int
    low: int
    high: int
    step: int = 1
    label: str = ""

    def widget(self, value):
        import ipywidgets

        return ipywidgets.IntSlider(value=value, min=self.low, max=self.high, step=self.step,
                                    description=self.label or self.name,
                                    continuous_update=False, style=_LABEL_STYLE)

    def check(self, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
                or not self.low <= value <= self.high:
            raise ValueError(f"{self.name} must be an integer in [{self.low}, {self.high}], "
                             f"got {value!r}")
        return int(value)


@dataclass(frozen=True)
class FloatControl:
    """A float slider from ``low`` to ``high``; ``log=True`` slides the exponent (base 10)."""

    name: str
    default: float
    low: float
    high: float
    step: float = 0.05
    log: bool = False
    label: str = ""

    def widget(self, value):
        import ipywidgets

        common = dict(value=value, step=self.step, description=self.label or self.name,
                      continuous_update=False, style=_LABEL_STYLE)
        if self.log:
            import math

            return ipywidgets.FloatLogSlider(base=10, min=math.log10(self.low),
                                             max=math.log10(self.high), readout_format=".3g",
                                             **common)
        return ipywidgets.FloatSlider(min=self.low, max=self.high, readout_format=".2f",
                                      **common)

    def check(self, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not self.low <= value <= self.high:
            raise ValueError(f"{self.name} must be a number in [{self.low}, {self.high}], "
                             f"got {value!r}")
        return float(value)


@dataclass(frozen=True)
class ChoiceControl:
    """A dropdown over ``options`` (strings)."""

    name: str
    default: str
    options: tuple
    label: str = ""

    def widget(self, value):
        import ipywidgets

        return ipywidgets.Dropdown(value=value, options=list(self.options),
                                   description=self.label or self.name, style=_LABEL_STYLE)

    def check(self, value):
        if value not in self.options:
            raise ValueError(f"{self.name} must be one of {list(self.options)}, got {value!r}")
        return value


@dataclass(frozen=True)
class FlagControl:
    """A check box."""

    name: str
    default: bool
    label: str = ""

    def widget(self, value):
        import ipywidgets

        return ipywidgets.Checkbox(value=value, description=self.label or self.name,
                                   indent=False)

    def check(self, value):
        if not isinstance(value, bool):
            raise ValueError(f"{self.name} must be True or False, got {value!r}")
        return value


# Room for labels such as "learning rate" next to a slider.
_LABEL_STYLE = {"description_width": "initial"}
