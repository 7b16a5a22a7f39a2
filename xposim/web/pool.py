"""Simulations off the event loop: a pool of worker processes, bounded in time and queue,
with a cache of finished views.

Workers are separate processes (``spawn``), so a simulation never holds the server's
interpreter: libRoadRunner keeps the GIL while it integrates, and a thread would stall
every other request. Each worker compiles the models once (warm-up in its initializer)
and returns the view already encoded as JSON, so the server only moves bytes.

Bounds: at most ``max_pending`` simulations waiting or running (more get
:class:`BusyError`); each gets ``timeout_s`` of wall time, after which the caller gets
:class:`SimulationTimeoutError` and the pool is replaced (terminating the worker that
overran; the other simulations then in flight get :class:`WorkerLostError` and may be
retried). Views are cached by their validated parameters (LRU), and identical requests
in flight share one simulation.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import math
import multiprocessing
import os
import sys
from collections import OrderedDict
from collections.abc import Callable
from multiprocessing.pool import Pool
from typing import Any

_RUNNER: Callable[[int, dict[str, Any]], dict[str, Any]] | None = None
#: Longest a worker's warm-up may take before the server stops waiting for it (s).
WARM_UP_LIMIT_S = 600.0


class BusyError(Exception):
    """Too many simulations are waiting; the caller should retry shortly."""


class SimulationTimeoutError(Exception):
    """A simulation ran past the time limit and was stopped."""


class WorkerLostError(Exception):
    """The pool was replaced while this simulation ran (another one overran)."""


class SimulationFailedError(Exception):
    """The simulation refused its input or failed; ``str()`` is the one-line message."""


def _resolve(path: str) -> Callable[[int, dict[str, Any]], dict[str, Any]]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def _init_worker(runner: str, warm: bool, ready: Any) -> None:
    """Load the runner; with ``warm``, compute every step's default view once (compiles
    the cell and patient models and builds the default presets); then report ready."""
    global _RUNNER
    _RUNNER = _resolve(runner)
    if warm:
        from xposim.web.views import STEPS, render_view

        for step in STEPS:
            try:
                render_view(step, {})
            except Exception as exc:  # a failing warm-up must not kill (and respawn) the
                # worker forever; the same error reaches the user on request, as a 422
                print(f"xposim explorer: warm-up of step {step} failed: {exc}",
                      file=sys.stderr)
    ready.put(os.getpid())


def _finite(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        raise ValueError("non-finite number in a view")
    return obj


def _work(step: int, params: dict[str, Any]) -> tuple[str, bytes | str]:
    """Run one view in a worker: ("ok", JSON bytes) or ("error", message). Errors travel
    as text: xposim's exceptions take keyword arguments and do not unpickle."""
    from xposim.errors import XposimError

    assert _RUNNER is not None, "worker not initialised"
    try:
        view = _RUNNER(step, params)
        return "ok", json.dumps(view, allow_nan=False, separators=(",", ":")).encode()
    except (XposimError, ValueError) as exc:
        return "error", str(exc)


class SimulationPool:
    """Run ``runner(step, params)`` (``"module:function"``) in worker processes."""

    def __init__(self, *, processes: int, timeout_s: float, max_pending: int,
                 cache_entries: int, runner: str = "xposim.web.views:render_view",
                 warm: bool = True) -> None:
        self.processes = processes
        self.timeout_s = timeout_s
        self.max_pending = max_pending
        self.cache_entries = cache_entries
        self.runner = runner
        self.warm = warm
        self._context = multiprocessing.get_context("spawn")
        self._pool: Pool | None = None
        self._generation = 0
        self._inflight: dict[tuple[Any, ...], tuple[int, asyncio.Future[bytes]]] = {}
        self._cache: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self.ready = asyncio.Event()
        self.restarts = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self._ready_queue = self._context.Queue()
        self._pool = self._context.Pool(self.processes, initializer=_init_worker,
                                        initargs=(self.runner, self.warm, self._ready_queue))
        self.ready.clear()

    async def wait_ready(self) -> None:
        """Return once every worker has finished its warm-up."""
        queue = self._ready_queue
        for _ in range(self.processes):
            await asyncio.to_thread(queue.get, True, WARM_UP_LIMIT_S)
        if queue is self._ready_queue:  # not replaced meanwhile
            self.ready.set()

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.terminate)

    async def _replace(self) -> None:
        """Terminate the pool (and the simulation that overran) and start a new one."""
        old = self._pool
        self._generation += 1
        self.restarts += 1
        self.start()
        lost = [(k, f) for k, (g, f) in self._inflight.items() if g < self._generation]
        for key, fut in lost:
            self._inflight.pop(key, None)
            if not fut.done():
                fut.set_exception(WorkerLostError("the simulation pool was restarted after "
                                             "another simulation overran; retry"))
        if old is not None:
            await asyncio.to_thread(old.terminate)
        asyncio.get_running_loop().create_task(self.wait_ready())

    # ------------------------------------------------------------------ running
    @property
    def pending(self) -> int:
        return len(self._inflight)

    def cached(self, key: tuple[Any, ...]) -> bytes | None:
        data = self._cache.get(key)
        if data is not None:
            self._cache.move_to_end(key)
        return data

    async def run(self, step: int, params: dict[str, Any]) -> bytes:
        """The JSON view of ``step`` for validated ``params`` (cached by them)."""
        key = (step, *sorted(params.items()))
        data = self.cached(key)
        if data is not None:
            return data
        if key in self._inflight:
            return await asyncio.shield(self._inflight[key][1])
        if self.pending >= self.max_pending:
            raise BusyError(f"{self.pending} simulations are running or waiting (limit "
                       f"{self.max_pending}); retry in a moment")
        assert self._pool is not None, "pool not started"
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[bytes] = loop.create_future()

        def done(out: tuple[str, bytes | str]) -> None:
            loop.call_soon_threadsafe(_settle, fut, out, None)

        def failed(exc: BaseException) -> None:
            loop.call_soon_threadsafe(_settle, fut, None, exc)

        self._inflight[key] = (self._generation, fut)
        self._pool.apply_async(_work, (step, params), callback=done, error_callback=failed)
        try:
            data = await asyncio.wait_for(asyncio.shield(fut), self.timeout_s)
        except TimeoutError:
            await self._replace()
            raise SimulationTimeoutError(
                f"the simulation took longer than {self.timeout_s:g} s and was stopped; ask "
                "for a shorter time span") from None
        finally:
            if self._inflight.get(key, (None, None))[1] is fut:
                del self._inflight[key]
        self._cache[key] = data
        while len(self._cache) > self.cache_entries:
            self._cache.popitem(last=False)
        return data


def _settle(fut: asyncio.Future[bytes], out: tuple[str, bytes | str] | None,
            exc: BaseException | None) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(SimulationFailedError(f"simulation failed: {exc}"))
    elif out is not None and out[0] == "ok":
        fut.set_result(out[1])  # type: ignore[arg-type]
    else:
        fut.set_exception(SimulationFailedError(str(out[1]) if out else "simulation failed"))
