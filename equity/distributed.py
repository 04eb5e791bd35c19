"""Run independent units of work on a Dask cluster (``dask.distributed``), with progress.

The national summary gives one département to each task. By default a
:class:`~distributed.LocalCluster` is started on this machine's cores (one
single-threaded worker process per core: the work holds the GIL in pandas and
shapely) and closed afterwards; ``scheduler`` connects to an existing cluster instead,
which is left running.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from distributed import Client, LocalCluster, as_completed

__all__ = ["TerminalProgressBar", "dask_client", "run_on_dask"]

Progress = Callable[[int, int, str], None]


class TerminalProgressBar:
    """A one-line progress bar on a terminal stream: ``[#####.....] 48/96 Orne``."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width

    def __call__(self, done: int, total: int, label: str) -> None:
        """Redraw the bar after ``done`` of ``total`` units (``label`` the last one)."""
        filled = round(self.width * done / total) if total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        end = "\n" if done >= total else ""
        self.stream.write(f"\r[{bar}] {done}/{total} {label:<30.30}{end}")
        self.stream.flush()


@contextmanager
def dask_client(
    scheduler: str | None = None, workers: int | None = None, processes: bool = True
) -> Iterator[Client]:
    """A Dask client: on an existing cluster at ``scheduler``, else on a new local cluster.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``).
    workers : int, optional
        Workers of the local cluster (the machine's cores by default).
    processes : bool
        Local workers as processes (True) or threads of this process (False; use one
        worker then: CPython 3.11's parser, used by ``ast.literal_eval`` on opening
        hours, is not thread-safe).
    """
    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    n_workers = workers or os.cpu_count() or 1
    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def run_on_dask(
    task: Callable[[Any], Any],
    items: list[Any],
    client: Client,
    progress: Progress | None = None,
    label: Callable[[Any], str] = str,
) -> list[Any]:
    """``task(item)`` for every item, one Dask task each; results in the order of ``items``.

    Parameters
    ----------
    task : callable
        Picklable function of one item.
    items : list
        Units of work.
    client : distributed.Client
        See :func:`dask_client`.
    progress : callable, optional
        ``progress(done, total, label)`` after each finished unit.
    label : callable
        Text of an item for ``progress``.

    Raises
    ------
    Exception
        The first exception raised by a task (the others are cancelled).
    """
    futures = [client.submit(task, item, pure=False) for item in items]
    position = {future.key: i for i, future in enumerate(futures)}
    results: list[Any] = [None] * len(items)
    try:
        for done, future in enumerate(as_completed(futures), start=1):
            i = position[future.key]
            results[i] = future.result()
            if progress is not None:
                progress(done, len(items), label(items[i]))
    except BaseException:
        client.cancel(futures)
        raise
    return results
