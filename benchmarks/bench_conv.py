"""Convolution and max pooling: naive loops, the numpy and Cython fast layers, PyTorch.

    python -m benchmarks conv [--repeats 5] [--dtype float32|float64|both] [--batch 128]

Times a forward and a backward pass of CIFAR-sized layers (batch 128, 32x32 images,
3x3 kernels, pad 1, stride 1, 3 -> 32 and 32 -> 32 channels; 2x2 and overlapping 4x4
max pooling) for each implementation, interleaved in one run, and prints the median
times and their ratios:

- naive: assignment 2's ``conv_forward_naive`` and friends when that package is
  importable and implemented, else the minimal loop versions below. They are timed on
  a smaller batch (``--naive-batch``) and the time scaled up to the full batch, which
  is fair because their cost is linear in the batch size.
- numpy, cython: ``cs_utils.fast_layers`` with each im2col backend.
- torch: ``torch.nn.functional.conv2d`` and ``max_pool2d`` on the CPU, when PyTorch is
  installed, with as many threads as numpy's BLAS library uses.

Multi-threaded matrix products slow down badly when other programs keep the cores
busy, so the load average is printed before and after; for a comparison on one core,
run ``OPENBLAS_NUM_THREADS=1 python -m benchmarks conv``.
"""

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from benchmarks import format_table, median_times, numpy_blas_threads
from cs_utils import fast_layers

REPO_ROOT = Path(__file__).resolve().parent.parent

CONV_LAYERS = [
    # name, input channels, filters
    ("conv 3->32, 3x3, pad 1", 3, 32),
    ("conv 32->32, 3x3, pad 1", 32, 32),
]
POOL_LAYERS = [
    # name, channels, pool size, stride
    ("max pool 2x2, stride 2", 32, 2, 2),
    ("max pool 4x4, stride 2", 32, 4, 2),
]
IMAGE_SIZE = 32


# ------------------------------------------------------------- naive layers

def _conv_forward_loops(x, w, b, conv_param):
    """The textbook loops, over output positions (vectorized over images and filters)."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    F, _, HH, WW = w.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho = (xpad.shape[2] - HH) // stride + 1
    Wo = (xpad.shape[3] - WW) // stride + 1
    out = np.empty((x.shape[0], F, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            window = xpad[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, b, conv_param)


def _conv_backward_loops(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    HH, WW = w.shape[2:]
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxpad = np.zeros_like(xpad)
    dw = np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows = slice(i * stride, i * stride + HH)
            cols = slice(j * stride, j * stride + WW)
            g = dout[:, :, i, j]                                   # (N, F)
            dxpad[:, :, rows, cols] += np.tensordot(g, w, axes=(1, 0))
            dw += np.tensordot(g, xpad[:, :, rows, cols], axes=(0, 0))
    H, W = x.shape[2:]
    return dxpad[:, :, pad:pad + H, pad:pad + W], dw, dout.sum(axis=(0, 2, 3))


def _max_pool_forward_loops(x, pool_param):
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    Ho, Wo = (H - ph) // stride + 1, (W - pw) // stride + 1
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            window = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw]
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out, (x, pool_param)


def _max_pool_backward_loops(dout, cache):
    x, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C = x.shape[:2]
    dx = np.zeros_like(x)
    n, c = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw]
            first = window.reshape(N, C, -1).argmax(axis=2)        # first maximum
            dx[n, c, i * stride + first // pw, j * stride + first % pw] += dout[:, :, i, j]
    return dx


LOCAL_NAIVE = (_conv_forward_loops, _conv_backward_loops,
               _max_pool_forward_loops, _max_pool_backward_loops)


def naive_layers():
    """(four functions, where they come from): assignment 2's when they work, else ours."""
    folder = str(REPO_ROOT / "assignment2")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        from a2 import layers

        functions = (layers.conv_forward_naive, layers.conv_backward_naive,
                     layers.max_pool_forward_naive, layers.max_pool_backward_naive)
        # A student copy holds stubs until they are written: try them on a tiny input.
        x = np.ones((1, 1, 4, 4))
        out, cache = functions[0](x, np.ones((1, 1, 3, 3)), np.zeros(1), {"stride": 1, "pad": 1})
        functions[1](out, cache)
        out, cache = functions[2](x, {"pool_height": 2, "pool_width": 2, "stride": 2})
        functions[3](out, cache)
    except (ImportError, AttributeError, NotImplementedError):
        return LOCAL_NAIVE, "the minimal loops in benchmarks/bench_conv.py"
    return functions, "assignment2's a2.layers"


# -------------------------------------------------------------- the timings

def _as_tuple(grads):
    return grads if isinstance(grads, tuple) else (grads,)


def _fast(backend, forward, backward, inputs, param, dout):
    def run():
        fast_layers.use_backend(backend)
        out, cache = forward(*inputs, param)
        return out, _as_tuple(backward(dout, cache))
    return run


def _torch_conv(torch, x, w, b, conv_param, dout):
    tx, tw, tb = (torch.from_numpy(a).requires_grad_() for a in (x, w, b))
    tdout = torch.from_numpy(dout)

    def run():
        tx.grad = tw.grad = tb.grad = None
        out = torch.nn.functional.conv2d(tx, tw, tb, stride=conv_param["stride"],
                                         padding=conv_param["pad"])
        out.backward(tdout)
        return out, (tx.grad, tw.grad, tb.grad)
    return run


def _torch_pool(torch, x, pool_param, dout):
    tx = torch.from_numpy(x).requires_grad_()
    tdout = torch.from_numpy(dout)
    size = (pool_param["pool_height"], pool_param["pool_width"])

    def run():
        tx.grad = None
        out = torch.nn.functional.max_pool2d(tx, size, stride=pool_param["stride"])
        out.backward(tdout)
        return out, (tx.grad,)
    return run


def _largest_difference(ours, theirs):
    """Largest difference of outputs and gradients, relative to each array's largest entry."""
    worst = 0.0
    for a, t in zip([ours[0], *ours[1]], [theirs[0], *theirs[1]]):
        t = t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)
        worst = max(worst, float(np.max(np.abs(a - t)) / max(np.max(np.abs(t)), 1e-30)))
    return worst


def bench_dtype(dtype, args, naive, torch, rng):
    """Time every layer in one dtype; return the table rows and notes."""
    N, n_small = args.batch, min(args.naive_batch, args.batch)
    scale = N / n_small
    backends = fast_layers.available_backends()
    fast_name = "cython" if "cython" in backends else "numpy"
    rows, notes = [], []
    cases = ([("conv",) + layer for layer in CONV_LAYERS]
             + [("pool",) + layer for layer in POOL_LAYERS])
    for kind, name, *spec in cases:
        if kind == "conv":
            C, F = spec
            x = rng.standard_normal((N, C, IMAGE_SIZE, IMAGE_SIZE)).astype(dtype)
            w = (rng.standard_normal((F, C, 3, 3)) * 0.1).astype(dtype)
            b = rng.standard_normal(F).astype(dtype)
            param = {"stride": 1, "pad": 1}
            dout = rng.standard_normal((N, F, IMAGE_SIZE, IMAGE_SIZE)).astype(dtype)
            inputs, small = (x, w, b), (x[:n_small], w, b)
            forward, backward = fast_layers.conv_forward_fast, fast_layers.conv_backward_fast
            naive_fwd, naive_bwd = naive[0], naive[1]
        else:
            C, size, stride = spec
            x = rng.standard_normal((N, C, IMAGE_SIZE, IMAGE_SIZE)).astype(dtype)
            param = {"pool_height": size, "pool_width": size, "stride": stride}
            out_size = (IMAGE_SIZE - size) // stride + 1
            dout = rng.standard_normal((N, C, out_size, out_size)).astype(dtype)
            inputs, small = (x,), (x[:n_small],)
            forward = fast_layers.max_pool_forward_fast
            backward = fast_layers.max_pool_backward_fast
            naive_fwd, naive_bwd = naive[2], naive[3]

        functions = {"naive": _fast_naive(naive_fwd, naive_bwd, small, param, dout[:n_small])}
        for backend in backends:
            functions[backend] = _fast(backend, forward, backward, inputs, param, dout)
        if torch is not None:
            if kind == "conv":
                functions["torch"] = _torch_conv(torch, x, w, b, param, dout)
            else:
                functions["torch"] = _torch_pool(torch, x, param, dout)
            difference = _largest_difference(functions[fast_name](), functions["torch"]())
            notes.append(f"{name}: {fast_name} vs torch, largest difference "
                         f"{difference:.1e} of the largest value")

        times = median_times(functions, args.repeats)
        times["naive"] *= scale
        ms = {k: f"{v * 1e3:.1f}" for k, v in times.items()}
        fast = times[fast_name]
        rows.append([
            name,
            ms["naive"], ms["numpy"], ms.get("cython", "-"), ms.get("torch", "-"),
            f"{times['naive'] / fast:.0f}x",
            f"{times['cython'] / times['numpy']:.2f}" if "cython" in times else "-",
            f"{fast / times['torch']:.2f}" if "torch" in times else "-",
        ])
    return rows, notes, fast_name


def _fast_naive(forward, backward, inputs, param, dout):
    def run():
        out, cache = forward(*inputs, param)
        return out, _as_tuple(backward(dout, cache))
    return run


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks conv", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per implementation")
    parser.add_argument("--dtype", choices=["float32", "float64", "both"], default="both")
    parser.add_argument("--batch", type=int, default=128, help="images per batch")
    parser.add_argument("--naive-batch", type=int, default=16,
                        help="images per batch for the naive loops (scaled up)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    args = parser.parse_args(argv)

    threads, blas = numpy_blas_threads()
    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            torch = None
    naive, naive_source = naive_layers()
    previous = fast_layers.use_backend(fast_layers.BACKEND)
    print("Convolution and max pooling: forward + backward, median of "
          f"{args.repeats} interleaved runs, in milliseconds")
    print(f"  batch {args.batch}, {IMAGE_SIZE}x{IMAGE_SIZE} images; numpy {np.__version__}, "
          f"{blas} with {threads} thread(s)")
    print(f"  naive: {naive_source}, timed on {min(args.naive_batch, args.batch)} images and "
          f"scaled by {args.batch / min(args.naive_batch, args.batch):g}")
    if torch is not None:
        torch.set_num_threads(threads)
        print(f"  torch {torch.__version__} on the CPU with torch.set_num_threads({threads}), "
              "the same as numpy's BLAS")
    else:
        print("  torch: not installed, left out (pip install torch to compare)")
    if "cython" not in fast_layers.available_backends():
        print("  cython: the compiled extension is not built, left out")

    print(f"  load average before: {_load_average()}")

    dtypes = ["float32", "float64"] if args.dtype == "both" else [args.dtype]
    rng = np.random.default_rng(0)
    try:
        for dtype in dtypes:
            rows, notes, fast_name = bench_dtype(np.dtype(dtype), args, naive, torch, rng)
            print(f"\n{dtype}  (fast = {fast_name})")
            header = ["layer", "naive", "numpy", "cython", "torch",
                      "naive/fast", "cython/numpy", "fast/torch"]
            print(format_table(header, rows))
            for note in notes:
                print(f"  {note}")
    finally:
        fast_layers.use_backend(previous)
    print(f"\nload average after: {_load_average()} (on {os.cpu_count()} CPUs)")
    return 0


def _load_average():
    try:
        return ", ".join(f"{load:.2f}" for load in os.getloadavg())
    except (AttributeError, OSError):  # not on Windows
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
