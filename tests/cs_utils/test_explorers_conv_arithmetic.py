"""Conv arithmetic explorer: sizes, parameters and receptive fields against known values and
against counting which input positions an output really depends on."""

import pytest

from cs_utils.explorers.conv_arithmetic import (Layer, draw_conv_arithmetic, input_span,
                                                output_size, stack_arithmetic)


def test_known_stack():
    layers = [Layer("conv", 3, 1, 1, filters=16), Layer("pool", 2, 2),
              Layer("conv", 3, 1, 0, dilation=2, filters=8)]
    rows = stack_arithmetic(32, 3, layers)
    assert [r.output_size for r in rows] == [32, 16, 12]
    assert [r.channels for r in rows] == [16, 16, 8]
    assert [r.parameters for r in rows] == [(27 + 1) * 16, 0, (9 * 16 + 1) * 8]
    assert [r.receptive_field for r in rows] == [3, 4, 12]
    assert [r.jump for r in rows] == [1, 2, 2]
    assert all(r.exact for r in rows)


def test_output_size_formula_and_inexact_strides():
    assert output_size(227, Layer("conv", 11, 4, 0)) == 55          # an AlexNet-sized layer
    assert output_size(7, Layer("conv", 3, 2, 0)) == 3
    rows = stack_arithmetic(8, 1, [Layer("conv", 3, 2, 0)])           # (8 - 3) / 2 is not whole
    assert rows[0].output_size == 3 and not rows[0].exact
    with pytest.raises(ValueError, match="does not fit"):
        output_size(4, Layer("conv", 3, 1, 0, dilation=2))
    for bad in (dict(kind="dense", kernel=3), dict(kind="conv", kernel=0),
                dict(kind="conv", kernel=3, stride=0), dict(kind="pool", kernel=2, padding=-1)):
        with pytest.raises(ValueError):
            Layer(**bad)


def dependencies(input_size, layers, index):
    """Input positions output `index` depends on, by following every tap (slow, direct)."""
    reached = {index}
    for layer in reversed(layers):
        below = set()
        for out in reached:
            for tap in range(layer.kernel):
                below.add(out * layer.stride - layer.padding + tap * layer.dilation)
        reached = below
    return {p for p in reached if 0 <= p < input_size}


@pytest.mark.parametrize("layers", [
    [Layer("conv", 3, 1, 1), Layer("conv", 3, 1, 1)],
    [Layer("conv", 5, 2, 2), Layer("pool", 2, 2), Layer("conv", 3, 1, 1)],
    [Layer("conv", 3, 1, 2, dilation=2), Layer("conv", 3, 1, 4, dilation=4)],
])
def test_receptive_field_matches_direct_counting(layers):
    size = 64
    rows = stack_arithmetic(size, 3, layers)
    centre = rows[-1].output_size // 2
    seen = dependencies(size, layers, centre)
    assert max(seen) - min(seen) + 1 == rows[-1].receptive_field
    first, last = input_span(layers, centre)[0]
    assert (first, last) == (min(seen), max(seen))
    spans = input_span(layers, centre)
    assert len(spans) == len(layers)


def test_summary_and_every_layer_off():
    settings = {f"{name}{i}": value for i in (1, 2, 3) for name, value in
                (("kind", "conv"), ("kernel", 3), ("stride", 1), ("padding", 0), ("dilation", 1))}
    _, summary = draw_conv_arithmetic(10, 4, **settings)
    assert summary == (f"output 4x4x4, {(27 + 1) * 4 + 2 * (36 + 1) * 4:,} parameters, "
                       "receptive field 7")
    settings.update(kind1="none", kind2="none", kind3="none")
    with pytest.raises(ValueError, match="at least one layer"):
        draw_conv_arithmetic(10, 4, **settings)
