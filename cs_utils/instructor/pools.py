"""Where grading jobs run: threads of this process (the default) or a dask cluster.

Both pools offer the same three calls, ``submit(fn, *args)``, ``wait_any(futures)`` (the
finished futures, at least one) and ``close()``; their futures have ``result()``. The jobs themselves start
sandboxed subprocesses, so threads are enough to keep every core busy.
"""

import concurrent.futures
import os


class LocalPool:
    """``workers`` jobs at a time on this machine (default: one per CPU)."""

    def __init__(self, workers=None):
        workers = workers or os.cpu_count() or 1
        if not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be a positive integer, got {workers!r}")
        self.workers = workers
        self.description = f"{workers} local worker{'s' if workers > 1 else ''}"
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=workers)

    def submit(self, fn, *args):
        return self._executor.submit(fn, *args)

    def wait_any(self, futures):
        done, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)
        return done

    def close(self):
        self._executor.shutdown(wait=True, cancel_futures=True)


class DaskPool:
    """Jobs spread over the workers of a running dask.distributed scheduler.

    Every worker needs this course's environment (the same requirements and the
    course package) and, for the strongest isolation, bubblewrap and root.
    """

    def __init__(self, address, timeout=30):
        try:
            from distributed import Client
        except ImportError:
            raise RuntimeError("--dask needs dask.distributed: "
                               "python -m pip install 'dask[distributed]'") from None
        self._client = Client(address, timeout=timeout)
        threads = sum(w.get("nthreads", 1)
                      for w in self._client.scheduler_info()["workers"].values())
        self.workers = max(threads, 1)
        self.description = f"dask scheduler {address} ({self.workers} worker threads)"

    def submit(self, fn, *args):
        return self._client.submit(fn, *args, pure=False)

    def wait_any(self, futures):
        from distributed import wait
        done, _ = wait(list(futures), return_when="FIRST_COMPLETED")
        return done

    def close(self):
        self._client.close()


def make_pool(workers=None, dask=None):
    """A DaskPool when a scheduler address is given, else a LocalPool."""
    return DaskPool(dask) if dask else LocalPool(workers)
