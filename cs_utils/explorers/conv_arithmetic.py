"""Output size, parameter count and receptive field along a stack of conv and pool layers.

Sizes are along one spatial axis (square inputs and kernels). A layer with kernel k,
stride s, padding p and dilation d covers k_eff = d * (k - 1) + 1 input positions and
gives floor((n + 2p - k_eff) / s) + 1 outputs from n inputs; when the division is not
exact the last rows of the padded input are never used (the course's conv layer refuses
such settings). The receptive field r (input pixels one unit sees) and the jump j
(input pixels between neighbouring units) grow as r += (k_eff - 1) * j, then j *= s.
"""

from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cs_utils.checks import integer_at_least
from cs_utils.explorers.controls import ChoiceControl, IntControl
from cs_utils.explorers.frontend import show_explorer

KINDS = ("conv", "pool")


@dataclass(frozen=True)
class Layer:
    """One layer: "conv" (with ``filters`` output channels) or "pool" (max pooling)."""

    kind: str
    kernel: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    filters: int = 16

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        integer_at_least(self.kernel, "kernel")
        integer_at_least(self.stride, "stride")
        integer_at_least(self.padding, "padding", 0)
        integer_at_least(self.dilation, "dilation")
        integer_at_least(self.filters, "filters")

    @property
    def effective_kernel(self):
        return self.dilation * (self.kernel - 1) + 1


@dataclass(frozen=True)
class LayerArithmetic:
    """What one layer makes of its input: sizes, channels, parameters, receptive field."""

    input_size: int
    output_size: int
    channels: int
    parameters: int
    receptive_field: int
    jump: int
    exact: bool        # the kernel positions tile the padded input exactly


def output_size(input_size, layer):
    """Output positions along one axis; ValueError if the kernel exceeds the padded input."""
    padded = input_size + 2 * layer.padding
    if layer.effective_kernel > padded:
        raise ValueError(f"a {layer.kind} kernel spanning {layer.effective_kernel} does not fit "
                         f"an input of {input_size} padded to {padded}")
    return (padded - layer.effective_kernel) // layer.stride + 1


def stack_arithmetic(input_size, input_channels, layers):
    """Follow an input through a stack of layers.

    Inputs:
    - input_size: spatial size n of the (square) input; input_channels: its channels.
    - layers: a sequence of Layer.

    Returns a list of LayerArithmetic, one per layer. Parameters count weights and
    biases: (k * k * C_in + 1) * filters for a conv layer, 0 for pooling (which keeps
    the channels).
    """
    size = integer_at_least(input_size, "input_size")
    channels = integer_at_least(input_channels, "input_channels")
    receptive_field, jump, rows = 1, 1, []
    for layer in layers:
        out = output_size(size, layer)
        exact = (size + 2 * layer.padding - layer.effective_kernel) % layer.stride == 0
        if layer.kind == "conv":
            parameters = (layer.kernel * layer.kernel * channels + 1) * layer.filters
            channels = layer.filters
        else:
            parameters = 0
        receptive_field += (layer.effective_kernel - 1) * jump
        jump *= layer.stride
        rows.append(LayerArithmetic(size, out, channels, parameters, receptive_field, jump,
                                    exact))
        size = out
    return rows


def input_span(layers, index):
    """The positions of every earlier layer that output ``index`` of the last layer sees.

    Inputs: layers, a sequence of Layer; index, a position in the last layer's output.
    Returns a list of (first, last) pairs, one per layer input (the stack's input
    first), in the coordinates of that input; padding positions fall below 0 or past
    the end, so last - first + 1 equals the receptive field at the stack's input.
    """
    first = last = integer_at_least(index, "index", 0)
    spans = []
    for layer in reversed(list(layers)):
        first = first * layer.stride - layer.padding
        last = last * layer.stride - layer.padding + layer.effective_kernel - 1
        spans.append((first, last))
    return spans[::-1]


def layers_from_settings(settings, num_layers=3):
    """The Layer list from the slider values kind1, kernel1, stride1, ... (kind "none" ends it)."""
    layers = []
    for i in range(1, num_layers + 1):
        if settings[f"kind{i}"] == "none":
            continue
        layers.append(Layer(settings[f"kind{i}"], settings[f"kernel{i}"],
                            settings[f"stride{i}"], settings[f"padding{i}"],
                            settings[f"dilation{i}"], settings["filters"]))
    return layers


def draw_conv_arithmetic(input_size, filters, **settings):
    """Each layer as a row of cells, the receptive field of the centre output unit
    shaded at every level, and a table of sizes; returns (figure, summary)."""
    layers = layers_from_settings({"filters": filters, **settings})
    if not layers:
        raise ValueError("every layer is set to 'none': choose at least one layer")
    rows = stack_arithmetic(input_size, 3, layers)
    centre = rows[-1].output_size // 2
    spans = input_span(layers, centre)

    sizes = [input_size] + [row.output_size for row in rows]
    names = ["input"] + [f"{layer.kind} {i + 1}" for i, layer in enumerate(layers)]
    figure = Figure(figsize=(11, 1.2 + 0.9 * len(sizes)))
    ax_rows, ax_table = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    cell = 1.0 / max(sizes)
    for level, size in enumerate(sizes):
        y = len(sizes) - 1 - level
        span = spans[level] if level < len(spans) else (centre, centre)
        for position in range(size):
            inside = span[0] <= position <= span[1]
            ax_rows.add_patch(Rectangle((position * cell, y), cell, 0.6,
                                        facecolor="C1" if inside else "#dde6f0",
                                        edgecolor="white", linewidth=0.3))
        ax_rows.text(-0.02, y + 0.3, f"{names[level]}\n{size}", ha="right", va="center",
                     fontsize=8)
    ax_rows.set_xlim(-0.16, 1.0)
    ax_rows.set_ylim(-0.2, len(sizes))
    ax_rows.axis("off")
    ax_rows.set_title(f"orange: what the centre unit of the last layer sees "
                      f"({rows[-1].receptive_field} input pixels wide)", fontsize=9)

    table = [["layer", "k/s/p/d", "out", "params", "RF"]]
    table.append(["input", "", f"{input_size}x{input_size}x3", "", "1"])
    for name, layer, row in zip(names[1:], layers, rows):
        table.append([name, f"{layer.kernel}/{layer.stride}/{layer.padding}/{layer.dilation}",
                      f"{row.output_size}x{row.output_size}x{row.channels}"
                      + ("" if row.exact else " *"),
                      f"{row.parameters:,}", f"{row.receptive_field}"])
    ax_table.axis("off")
    ax_table.table(cellText=table, loc="center", cellLoc="center").scale(1, 1.3)
    if not all(row.exact for row in rows):
        ax_table.set_title("* the kernel does not tile the padded input exactly", fontsize=8)
    figure.tight_layout()
    total = sum(row.parameters for row in rows)
    summary = (f"output {rows[-1].output_size}x{rows[-1].output_size}x{rows[-1].channels}, "
               f"{total:,} parameters, receptive field {rows[-1].receptive_field}")
    return figure, summary


def conv_arithmetic_explorer(static=None, **settings):
    """Explore a stack of up to three conv/pool layers: input size, kernel, stride,
    padding and dilation -> output size, parameter count and receptive field per layer.

    settings: starting values (input_size, filters, kind1, kernel1, stride1, padding1,
    dilation1, ... for layers 1 to 3); static: see cs_utils.explorers.frontend.
    Returns the ipywidgets box or the static Figure.
    """
    defaults = [("conv", 3, 1, 1), ("pool", 2, 2, 0), ("conv", 3, 1, 1)]
    controls = [[IntControl("input_size", 32, 4, 64, label="input size"),
                 IntControl("filters", 16, 1, 64, label="filters per conv")]]
    for i, (kind, kernel, stride, padding) in enumerate(defaults, start=1):
        controls.append([ChoiceControl(f"kind{i}", kind, KINDS + ("none",), label=f"layer {i}"),
                         IntControl(f"kernel{i}", kernel, 1, 7, label="kernel"),
                         IntControl(f"stride{i}", stride, 1, 4, label="stride"),
                         IntControl(f"padding{i}", padding, 0, 3, label="padding"),
                         IntControl(f"dilation{i}", 1, 1, 3, label="dilation")])
    return show_explorer("Convolution arithmetic", controls, draw_conv_arithmetic, static,
                         settings)
