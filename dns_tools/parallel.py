"""One checking process per core: the same check, sharded across worker processes.

The event loop of one process tops out on per-query Python overhead (building,
sending and parsing messages), not on the network. ``check_names_parallel``
forks N workers; a feeder thread deals the names out to them in small chunks,
each worker runs ``check_names_async`` on its share, and results stream back in
small batches: nothing holds every name or every result, so memory stays flat.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from multiprocessing.connection import Connection, wait
from typing import Callable, Iterable, Iterator

from .config import CheckConfig
from .model import ExpectedName, Result, Summary, utcnow
from .runner import check_names, check_names_async

CHUNK = 256
_DONE = None


def _worker(names_in: Connection, results_out: Connection, config: CheckConfig) -> None:
    async def shard():
        loop = asyncio.get_running_loop()
        while True:
            chunk = await loop.run_in_executor(None, names_in.recv)
            if chunk is _DONE:
                return
            for name in chunk:
                yield name

    batch: list[dict] = []

    def on_result(result: Result) -> None:
        batch.append(result.to_dict())
        if len(batch) >= CHUNK:
            results_out.send(list(batch))
            batch.clear()

    try:
        asyncio.run(check_names_async(shard(), config, on_result))
        if batch:
            results_out.send(list(batch))
    except BaseException as exc:  # reported to the parent, which raises it
        results_out.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        results_out.send(_DONE)
        results_out.close()


def _chunks(names: Iterable[ExpectedName]) -> Iterator[list[ExpectedName]]:
    chunk: list[ExpectedName] = []
    for name in names:
        chunk.append(name)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def check_names_parallel(names: Iterable[ExpectedName], config: CheckConfig,
                         on_result: Callable[[Result], None] | None = None,
                         processes: int | None = None) -> Summary:
    """Like ``check_names`` but spread over ``processes`` worker processes (default:
    one per core). Results arrive in completion order, as with ``check_names``."""
    processes = processes or os.cpu_count() or 1
    config.validate()  # a configuration error is raised here, before any fork
    if processes <= 1:
        return check_names(names, config, on_result)
    ctx = multiprocessing.get_context("fork")
    feeds, results, workers = [], [], []
    for _ in range(processes):
        feed_recv, feed_send = ctx.Pipe(duplex=False)
        result_recv, result_send = ctx.Pipe(duplex=False)
        worker = ctx.Process(target=_worker, args=(feed_recv, result_send, config), daemon=True)
        worker.start()
        feed_recv.close()
        result_send.close()
        feeds.append(feed_send)
        results.append(result_recv)
        workers.append(worker)

    def feed() -> None:
        try:
            for n, chunk in enumerate(_chunks(names)):
                feeds[n % processes].send(chunk)
        finally:
            for conn in feeds:
                conn.send(_DONE)
                conn.close()

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    summary = Summary(started_at=utcnow().isoformat(timespec="seconds"))
    t0 = time.perf_counter()
    open_conns = list(results)
    while open_conns:
        for conn in wait(open_conns):
            try:
                batch = conn.recv()
            except EOFError:
                batch = _DONE
            if batch is _DONE:
                open_conns.remove(conn)
                continue
            if isinstance(batch, tuple):
                for worker in workers:
                    worker.terminate()
                raise RuntimeError(f"dns check worker failed: {batch[1]}")
            for data in batch:
                result = Result.from_dict(data)
                summary.add(result)
                if on_result is not None:
                    on_result(result)
    feeder.join()
    for worker in workers:
        worker.join()
    summary.finished_at = utcnow().isoformat(timespec="seconds")
    summary.duration = time.perf_counter() - t0
    return summary
