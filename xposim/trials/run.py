"""Run a virtual trial: subjects in chunks, on a serial, process-pool or Dask backend.

Every subject is a pure function of (protocol, seed, arm, subject id): its covariates,
biology and PK etas come from per-quantity streams of ``SeedSequence(seed, spawn_key=
(*subject key, ...))`` (:mod:`xposim.trials.population`), its dropout day from another,
its within-simulation randomness from ``VirtualPatient.rng(seed)``. Chunks are therefore
independent units of work: any backend, any number of workers, any chunk completion order
and any interruption give the same tables, which are read back sorted by (arm, subject).

Each finished chunk is written to the run folder at once (:mod:`xposim.trials.store`, on
io's run folder and manifest): memory is bounded by the chunks in flight. Re-running the
same command resumes; an interrupt is recorded in the manifest as ``interrupted``; a lost
worker's chunk is retried (Dask: task retries and worker loss; processes: the pool is
rebuilt); a solver failure in one subject is recorded (subject, time, message) and the
others complete.
"""

from __future__ import annotations

import hashlib
import math
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from xposim.errors import InputError, SimulationError
from xposim.io.manifest import Manifest, package_versions
from xposim.patient.outcome import (
    CONTRACT_VERSION,
    STANDARD_VARIABLES,
    PatientOutcome,
    PatientSimulator,
    SimulatorRecipe,
    VirtualPatient,
    stream_key,
)
from xposim.trials.protocol import Protocol, parse_protocol
from xposim.trials.store import COMMAND, TrialFolder

Backend = Literal["serial", "processes", "dask"]
#: Limits (bounded work): subjects per arm, subjects per chunk.
MAX_SUBJECTS_PER_ARM = 1_000_000
MAX_CHUNK_SIZE = 10_000
DEFAULT_CHUNK_SIZE = 25
_DROPOUT_STREAM = 0xD409


@dataclass(frozen=True)
class Chunk:
    """Subjects ``start..stop-1`` of one arm (index = position in the arm)."""

    arm: str
    index: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        return self.stop - self.start


def plan_chunks(arms: Sequence[str], n: int, chunk_size: int) -> tuple[Chunk, ...]:
    return tuple(Chunk(arm, i, s, min(n, s + chunk_size)) for arm in arms
                 for i, s in enumerate(range(0, n, chunk_size)))


def subject_key(protocol: Protocol, arm: str, subject_id: int) -> tuple[int, ...]:
    """Random-stream key of a subject: distinct patients per arm (randomised), or the same
    patient in every arm when the protocol is ``paired``."""
    if protocol.spec.protocol.paired:
        return (subject_id,)
    return (stream_key("arm", arm), subject_id)


def make_patient(protocol: Protocol, arm: str, subject_id: int, seed: int
                 ) -> tuple[VirtualPatient, int]:
    """The virtual patient ``subject_id`` of ``arm`` (and how many draws eligibility took)."""
    import numpy as np

    key = subject_key(protocol, arm, subject_id)
    cov, params, draws = protocol.population.draw(
        seed, key, eligibility=protocol.eligibility(), max_attempts=protocol.spec.max_draws)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(*key,
                                                                        _DROPOUT_STREAM)))
    patient = VirtualPatient(subject_id, arm, protocol.population.disease, cov, params,
                             protocol.dropout_day(rng), key)
    return patient, draws


# -- the unit of work (runs in workers) -----------------------------------------------

_WORKER_CACHE: dict[str, Any] = {}  # per-process: compiled simulators, parsed protocols


def _cached(key: str, build: Callable[[], Any]) -> Any:
    if key not in _WORKER_CACHE:
        _WORKER_CACHE[key] = build()
    return _WORKER_CACHE[key]


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs for one chunk, as plain picklable data."""

    recipe: SimulatorRecipe
    protocol_text: str
    protocol_where: str
    settings: tuple[tuple[str, float], ...]
    seed: int
    chunk: Chunk
    #: a file holding the parent's simulator, pickled with its models built and compiled
    #: (:func:`ship_simulator`; local worker processes), or "" to build it from ``recipe``
    shipped: str = ""


def _protocol_with(text: str, where: str, settings: Iterable[tuple[str, float]]) -> Protocol:
    return parse_protocol(text, where=where).with_settings(settings)


def for_model(protocol: Protocol, sim: PatientSimulator) -> Protocol:
    """``protocol`` with its population checked against the patient model (every
    parameter name known) and drawing in the model's units (declared units converted;
    InputError naming the parameter when they cannot be)."""
    from dataclasses import replace

    pop = protocol.population
    pop.check_parameters(sim.parameter_values(), sim.name)
    return replace(protocol, population=pop.in_units(sim.parameter_units(), sim.name))


def simulate_chunk(task: ChunkTask) -> dict[str, pd.DataFrame]:
    """Simulate one chunk; returns its tables (subjects, time_course, decisions, doses)."""
    return chunk_tables(task, [simulate_part(task, task.chunk.start, task.chunk.stop)])


def _simulator(task: ChunkTask) -> PatientSimulator:
    def build() -> PatientSimulator:
        if task.shipped:
            import pickle

            with open(task.shipped, "rb") as f:
                return pickle.load(f)  # the parent's own simulator (it wrote the file)
        return task.recipe.build()

    return _cached("sim:" + task.recipe.key(), build)


#: What :func:`simulate_part` returns: the subjects' rows (dicts, in order) and their
#: time course (standard variables only), decisions and doses, each one table.
Part = tuple[list[dict[str, Any]], pd.DataFrame, pd.DataFrame, pd.DataFrame]


def simulate_part(task: ChunkTask, start: int, stop: int) -> Part:
    """Subjects ``start..stop-1`` of ``task``'s chunk: their rows and tables, in subject
    order (:func:`chunk_tables` assembles a chunk from its parts, so a chunk simulated in
    parts gives the same tables as in one piece). The tables are joined here, in the
    worker: a process pool sends back three tables per part, not three per subject."""
    sim = _simulator(task)
    protocol: Protocol = _cached(
        f"protocol:{hash((task.protocol_text, task.protocol_where, task.settings))}:"
        f"{task.recipe.key()}",
        lambda: for_model(_protocol_with(task.protocol_text, task.protocol_where,
                                         task.settings), sim))
    plan = _cached(f"plan:{protocol.sha256}:{hash(task.settings)}:{task.chunk.arm}",
                   lambda: protocol.arm_plan(task.chunk.arm))
    out_rows: list[tuple[Any, ...]] = []
    for sid in range(start, stop):
        patient, draws = make_patient(protocol, task.chunk.arm, sid, task.seed)
        try:
            out = sim.simulate(patient, plan, seed=task.seed)
        except SimulationError as exc:
            out = PatientOutcome.failed(sid, f"subject {sid} (arm {task.chunk.arm}): {exc}")
        if out.subject_id != sid:
            raise SimulationError(f"the patient model returned subject {out.subject_id} for "
                                  f"subject {sid}")
        row: dict[str, Any] = {"arm": task.chunk.arm, "subject_id": sid, "draws": draws,
                               "dropout_day": math.nan if patient.dropout_day is None
                               else patient.dropout_day, "failure": out.failure or ""}
        row.update({f"cov_{k}": v for k, v in patient.covariates.items()})
        row.update({f"par_{k}": v for k, v in patient.parameters.items()})
        if out.summary is not None:
            row.update(out.summary.to_row())
        out_rows.append((row, out.time_course, out.decisions, out.doses))
    return _joined(out_rows)


def _joined(subjects: Sequence[tuple[Any, ...]]) -> Part:
    """(rows, time course, decisions, doses) of subjects or parts, in order."""
    keep = set(STANDARD_VARIABLES)
    tc = _concat([s[1] for s in subjects])
    tc = tc[tc["variable"].isin(keep)].reset_index(drop=True)  # only what endpoints/plots use
    rows = [r for s in subjects for r in ([s[0]] if isinstance(s[0], dict) else s[0])]
    return rows, tc, _concat([s[2] for s in subjects]), _concat([s[3] for s in subjects])


def chunk_tables(task: ChunkTask, parts: Sequence[Part]) -> dict[str, pd.DataFrame]:
    """A chunk's tables from its parts (:func:`simulate_part`, in subject order)."""
    rows, tc, decisions, doses = parts[0] if len(parts) == 1 else _joined(parts)
    tables = {"subjects": pd.DataFrame(rows), "time_course": tc, "decisions": decisions,
              "doses": doses}
    for name in ("time_course", "decisions", "doses"):
        tables[name].insert(0, "arm", task.chunk.arm)
    return tables


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    nonempty = [f for f in frames if len(f)]
    return (pd.concat(nonempty, ignore_index=True) if nonempty
            else frames[0].iloc[0:0].reset_index(drop=True))


# -- backends -----------------------------------------------------------------------


def _run_serial(tasks: Sequence[ChunkTask], done: Callable[[ChunkTask, Any], None]) -> None:
    for t in tasks:
        done(t, simulate_chunk(t))


#: The last chunks of a process-pool run are simulated in parts of about this share of a
#: chunk, so that the workers finish together (the tail waits for one part, not a chunk).
TAIL_PART = 0.2


def _start_worker() -> None:
    """Initializer of a local worker process: the imports and unit registry a chunk needs,
    done while the parent still prepares the run."""
    import pandas  # noqa: F401
    import roadrunner  # noqa: F401

    import xposim.patient.runner
    import xposim.trials.protocol  # noqa: F401
    from xposim.engine.simulator import Simulator  # noqa: F401
    from xposim.model.units import unit_registry

    unit_registry()


def _ready() -> None:
    """A no-op task: submitting one per worker starts the workers at once."""


def _shippable(sim: Any) -> bool:
    """A simulator that defines its own pickling (``__getstate__``: what it ships to local
    workers) and builds its models per arm (``model_for_arm``)."""
    return "__getstate__" in type(sim).__dict__ and callable(getattr(sim, "model_for_arm",
                                                                     None))


def _prebuild(recipe: SimulatorRecipe, text: str, where: str,
              settings: tuple[tuple[str, float], ...]) -> bytes:
    """In a worker, while the parent builds its own models: a simulator from ``recipe``
    with the models of the protocol's arms built and compiled, pickled (for the parent to
    adopt, :func:`ship_simulator`; this worker keeps the compiled code in its cache)."""
    import pickle

    sim = recipe.build()
    _build_arms(sim, _protocol_with(text, where, settings))
    return pickle.dumps(sim, protocol=pickle.HIGHEST_PROTOCOL)


def _build_arms(sim: Any, protocol: Protocol) -> None:
    """Build and compile ``sim``'s models of every arm of ``protocol`` (``model_for_arm``
    caches them in the simulator)."""
    for arm in protocol.arm_names:
        sim.model_for_arm(protocol.arm_plan(arm), protocol.population.disease)


def _prebuild_pays() -> bool:
    """Whether a worker should build the arms' models while the parent builds its own
    (:func:`_prebuild`): only without the on-disk caches of reductions and compiled models
    (``XPOSIM_CACHE_DIR=off``). With them the parent builds the arms' models from the
    caches in ~0.15 s CPU, while a prebuilding worker spends ~0.6 s CPU on the same
    models (and imports) on a machine whose cores the parent and the other workers' imports
    already share: the first subject started ~2 s later with it (warm caches, load ~4)."""
    from xposim.engine.roadrunner_backend import compiled_cache_dir

    return compiled_cache_dir() is None


def process_pool(workers: int, prebuild: tuple[Any, ...] | None = None
                 ) -> tuple[Any, Any]:
    """A pool of ``workers`` spawned processes (libRoadRunner is not fork-safe), started
    now: they import while the caller prepares the run. With ``prebuild`` (recipe,
    protocol text, where, settings), one worker builds and compiles the arms' models
    meanwhile (the second item: a future of :func:`_prebuild`'s bytes, else None)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                               initializer=_start_worker)
    future = pool.submit(_prebuild, *prebuild) if prebuild is not None else None
    for _ in range(workers - (future is not None)):
        pool.submit(_ready)
    return pool, future


def ship_simulator(sim: PatientSimulator, protocol: Protocol, path: Path,
                   prebuilt: Any = None) -> str:
    """Write ``sim`` for local worker processes to ``path`` (returns it as text), with the
    models of ``protocol``'s arms built and compiled first, so that no worker derives,
    composes or compiles them again: adopted from ``prebuilt`` (a future of
    :func:`_prebuild`: a worker built them while this process built its own) or built
    here. Only a simulator that defines its own pickling (``__getstate__``: what it ships)
    and builds its models per arm (``model_for_arm``) is shipped; for any other this
    returns "" and the workers build theirs from its recipe."""
    import contextlib
    import pickle

    if not _shippable(sim):
        return ""
    adopt = getattr(sim, "adopt_models", None)
    if prebuilt is not None and callable(adopt):
        # a worker that failed (or died) is no loss: the models are built here instead,
        # raising whatever is wrong with an arm
        with contextlib.suppress(Exception):
            adopt(pickle.loads(prebuilt.result()))
    _build_arms(sim, protocol)
    with open(path, "wb") as f:
        pickle.dump(sim, f, protocol=pickle.HIGHEST_PROTOCOL)
    return str(path)


def _units(tasks: Sequence[ChunkTask], workers: int) -> list[tuple[ChunkTask, int, int]]:
    """(task, start, stop) work units: whole chunks, then the last ``2 * workers`` chunks
    in parts of about :data:`TAIL_PART` of a chunk."""
    out = []
    tail = max(len(tasks) - 2 * workers, 0)
    for i, t in enumerate(tasks):
        c = t.chunk
        step = c.size if i < tail else max(1, round(c.size * TAIL_PART))
        out.extend((t, a, min(a + step, c.stop)) for a in range(c.start, c.stop, step))
    return out


def _run_processes(tasks: Sequence[ChunkTask], done: Callable[[ChunkTask, Any], None],
                   workers: int, max_retries: int, pool: Any = None) -> None:
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    pending = _units(tasks, workers)
    parts: dict[Chunk, dict[int, Part]] = {t.chunk: {} for t in tasks}
    expected = {t.chunk: sum(1 for u in pending if u[0].chunk == t.chunk) for t in tasks}
    tries: dict[Chunk, int] = {}
    while pending:
        pool = pool if pool is not None else process_pool(workers)[0]
        with pool:
            futures = {pool.submit(simulate_part, *u): u for u in pending}
            broken = False
            while futures:
                finished, _ = wait(futures, return_when=FIRST_COMPLETED)
                for f in finished:
                    u = futures.pop(f)
                    try:
                        result = f.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    t = u[0]
                    got = parts[t.chunk]
                    got[u[1]] = result
                    pending.remove(u)
                    if len(got) == expected[t.chunk]:
                        done(t, chunk_tables(t, [got[k] for k in sorted(got)]))
                        del parts[t.chunk]
                if broken:
                    break
            if broken:
                for c in {u[0].chunk for u in pending}:
                    tries[c] = tries.get(c, 0) + 1
                    if tries[c] > max_retries:
                        raise SimulationError(f"a worker died {tries[c]} times on chunk "
                                              f"{c.index} of arm {c.arm} "
                                              f"(subjects {c.start}-{c.stop - 1})")
                pool.shutdown(wait=False, cancel_futures=True)
        pool = None


def connect_dask(scheduler: str | None, workers: int) -> Any:
    """A dask.distributed Client: to ``scheduler`` (InputError if unreachable) or to a new
    LocalCluster of ``workers`` single-threaded worker processes."""
    import logging

    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="5s")
        except (OSError, TimeoutError) as exc:
            raise InputError("scheduler", f"cannot reach the Dask scheduler ({exc})",
                             got=scheduler) from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    return Client(cluster)


def _run_dask(tasks: Sequence[ChunkTask], done: Callable[[ChunkTask, Any], None],
              client: Any, max_retries: int) -> None:
    from dask.distributed import as_completed

    # the key names the whole task: two runs sharing a scheduler never share a result
    futures = {client.submit(simulate_chunk, t, retries=max_retries, pure=False,
                             key=f"xposim-chunk-{t.chunk.arm}-{t.chunk.index}-"
                                 f"{hashlib.sha256(repr(t).encode()).hexdigest()[:16]}"):
               t for t in tasks}
    for f in as_completed(futures):
        t = futures[f]
        try:
            result = f.result()
        except Exception as exc:  # KilledWorker after repeated loss, or a model bug
            raise SimulationError(f"chunk {t.chunk.index} of arm {t.chunk.arm} (subjects "
                                  f"{t.chunk.start}-{t.chunk.stop - 1}) failed on Dask: "
                                  f"{type(exc).__name__}: {exc}") from exc
        done(t, result)
        f.release()


# -- the run ---------------------------------------------------------------------------


@dataclass
class TrialRun:
    """A finished run: its folder and endpoints."""

    folder: TrialFolder
    endpoints: dict[str, Any]
    resumed_chunks: int = 0
    simulated_chunks: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.folder.path


def _check_int(name: str, value: object, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(name, f"must be a whole number in {lo}..{hi}", got=value)
    if not lo <= value <= hi:
        raise InputError(name, f"must be in {lo}..{hi}", got=value)
    return value


def _versions() -> dict[str, str]:
    """io's package versions, plus the Dask scheduler library (``distributed``, which
    xposim requires as an extra of dask and so is not listed by name)."""
    from importlib.metadata import PackageNotFoundError, version

    out = package_versions()
    try:
        out["distributed"] = version("distributed")
    except PackageNotFoundError:
        out["distributed"] = "not installed"
    return out


def trial_manifest(proto: Protocol, *, n: int, seed: int, chunk_size: int,
                   settings: Sequence[tuple[str, float]], sim: PatientSimulator,
                   chunks_total: int, backend: str, workers: int,
                   command: str | Sequence[str] = "") -> Manifest:
    """io's manifest of a trial run of ``proto`` (its population as run: settings applied,
    in the model's units) (docs/trials.md, "The run folder").

    ``inputs`` are what decides the results (their fingerprint decides whether a folder
    is resumed or refused): the protocol's text, subjects per arm, seed, chunk size,
    settings, the patient model (name, SBML hash, recipe), the patient contract version
    and the xposim version. ``details`` describe the run without deciding it.
    """
    from xposim import __version__

    recipe = sim.recipe
    inputs = {"protocol_text": proto.text, "n_per_arm": n, "seed": seed,
              "chunk_size": chunk_size, "settings": dict(settings),
              "model": {"name": sim.name, "hash": sim.model_hash(),
                        "recipe": recipe.factory, "options": dict(recipe.options)},
              "contract_version": CONTRACT_VERSION, "xposim_version": __version__}
    details = {"summary": f"of protocol {proto.name} with {n} subjects per arm and seed "
                          f"{seed}",
               "protocol": {"name": proto.name, "where": proto.where,
                            "sha256": proto.sha256},
               "population": proto.population.to_dict(),
               "model_parameters": dict(sim.parameter_values()),
               "chunks_total": chunks_total, "backend": backend, "workers": workers}
    argv = (command,) if isinstance(command, str) else tuple(command)
    return Manifest(command=COMMAND, inputs=inputs, argv=tuple(a for a in argv if a),
                    seed=seed, model_hash=sim.model_hash(), details=details,
                    versions=_versions())


def run_trial(protocol: Protocol | str | Path, *, n: int, seed: int, out: str | Path,
              simulator: PatientSimulator | SimulatorRecipe,
              backend: Backend = "serial", workers: int = 1, scheduler: str | None = None,
              chunk_size: int = DEFAULT_CHUNK_SIZE,
              settings: Mapping[str, float] | Iterable[tuple[str, float]] = (),
              overwrite: bool = False, progress: bool = False, max_retries: int = 3,
              command: str | Sequence[str] = "", client: Any = None) -> TrialRun:
    """Run (or resume) ``protocol`` with ``n`` subjects per arm into the folder ``out``.

    ``simulator``: the patient model (or its recipe); ``backend``: "serial",
    "processes" (``workers`` spawned processes) or "dask" (a LocalCluster of ``workers``,
    the scheduler at ``scheduler``, or an existing ``client``); ``settings``: NAME=VALUE
    overrides (a model parameter fixed for all patients, ``section.name.field`` of the
    population, or ``arms.ARM.rule_adherence`` / ``arms.ARM.toxicity_discontinuation``
    of the protocol). Same arguments and
    folder → the run resumes where it stopped; an interrupt (``KeyboardInterrupt``,
    :class:`~xposim.io.Interrupted`) is recorded as ``interrupted`` and any other error
    as ``failed`` before it propagates. ``command``:
    the command line that started the run (recorded as the manifest's ``argv``; a string
    is one item).
    """

    proto = protocol if isinstance(protocol, Protocol) else _load(protocol)
    n = _check_int("n", n, 1, MAX_SUBJECTS_PER_ARM)
    seed = _check_int("seed", seed, 0, 2**63 - 1)
    chunk_size = _check_int("chunk_size", chunk_size, 1, MAX_CHUNK_SIZE)
    workers = _check_int("workers", workers, 1, 512)
    if backend not in ("serial", "processes", "dask"):
        raise InputError("backend", "must be serial, processes or dask", got=backend)
    pairs = tuple(sorted((str(k), float(v)) for k, v in (
        settings.items() if isinstance(settings, Mapping) else settings)))
    for name, value in pairs:
        if not math.isfinite(value):
            raise InputError(f"set {name}", "must be a finite number", got=value)
    proto_set = _protocol_with(proto.text, proto.where, pairs)

    # local workers start now and import while this process builds its models
    sim = simulator.build() if isinstance(simulator, SimulatorRecipe) else simulator
    pool = prebuilt = None
    if backend == "processes":
        pool, prebuilt = process_pool(workers, (sim.recipe, proto.text, proto.where, pairs)
                                      if _shippable(sim) and _prebuild_pays() else None)
    try:
        return _run(proto, proto_set, n=n, seed=seed, out=out, sim=sim,
                    backend=backend, workers=workers, scheduler=scheduler,
                    chunk_size=chunk_size, pairs=pairs, overwrite=overwrite,
                    progress=progress, max_retries=max_retries, command=command,
                    client=client, pool=pool, prebuilt=prebuilt)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _run(proto: Protocol, proto_set: Protocol, *, n: int, seed: int, out: str | Path,
         sim: PatientSimulator, backend: Backend, workers: int,
         scheduler: str | None, chunk_size: int, pairs: tuple[tuple[str, float], ...],
         overwrite: bool, progress: bool, max_retries: int, command: str | Sequence[str],
         client: Any, pool: Any, prebuilt: Any) -> TrialRun:
    """run_trial after its arguments are checked (``pool``: the started process pool;
    ``prebuilt``: its worker's models, :func:`process_pool`)."""
    import tempfile

    from xposim.trials.endpoints import trial_endpoints

    recipe = sim.recipe
    proto_set = for_model(proto_set, sim)  # names and units, before anything is written
    if backend == "dask" and client is None:
        client = connect_dask(scheduler, workers)  # before the folder: unreachable -> exit 2
        own_client = True
    else:
        own_client = False
    # workers on this machine read the parent's simulator from a file (ship_simulator)
    local_workers = backend == "processes" or (own_client and not scheduler)
    chunks = plan_chunks(proto.arm_names, n, chunk_size)
    try:
        manifest = trial_manifest(proto_set, n=n, seed=seed,
                                  chunk_size=chunk_size, settings=pairs, sim=sim,
                                  chunks_total=len(chunks), backend=backend,
                                  workers=workers, command=command)
        folder = TrialFolder(out, manifest=manifest, overwrite=overwrite)
    except BaseException:
        if own_client:
            _close(client)
        raise
    ship_dir = tempfile.TemporaryDirectory(prefix="xposim-trial-") if local_workers else None
    with folder:  # records complete, interrupted or failed
        try:
            have = folder.completed()
            todo = [ChunkTask(recipe, proto.text, proto.where, pairs, seed, c)
                    for c in chunks if (c.arm, c.index) not in have]
            t0 = time.perf_counter()
            if ship_dir is not None and todo:
                from dataclasses import replace

                shipped = ship_simulator(sim, proto_set,
                                         Path(ship_dir.name) / "simulator.pickle", prebuilt)
                todo = [replace(t, shipped=shipped) for t in todo]
            resumed = len(chunks) - len(todo)
            with _Progress(progress, total=n * len(proto.arm_names),
                           done=sum(c.size for c in chunks if (c.arm, c.index) in have)
                           ) as bar:
                def done(task: ChunkTask, tables: Mapping[str, pd.DataFrame]) -> None:
                    folder.write_chunk(task.chunk.arm, task.chunk.index, tables)
                    bar.advance(task.chunk.size)

                if todo:
                    if backend == "serial":
                        _run_serial(todo, done)
                    elif backend == "processes":
                        _run_processes(todo, done, workers, max_retries, pool)
                    else:
                        _run_dask(todo, done, client, max_retries)
            seconds = time.perf_counter() - t0
        finally:
            if ship_dir is not None:
                ship_dir.cleanup()
            if own_client:
                _close(client)
        subjects = folder.read("subjects")
        failures = [f for f in subjects.get("failure", pd.Series(dtype=str)).tolist() if f]
        endpoints = trial_endpoints(subjects, proto)
        folder.write_json("endpoints.json", endpoints)
        folder.record(details={**folder.manifest.details, "failures": len(failures)})
    return TrialRun(folder, endpoints, resumed, len(todo), seconds, failures)


def _close(client: Any) -> None:
    """Close a Dask client this run started, and its local cluster."""
    cluster = client.cluster
    client.close()
    if cluster is not None:
        cluster.close()


def _load(protocol: str | Path) -> Protocol:
    from xposim.trials.protocol import load_protocol

    return load_protocol(protocol)


class _Progress:
    """A rich progress bar of subjects (done/total, ETA) on stderr, or nothing."""

    def __init__(self, enabled: bool, *, total: int, done: int) -> None:
        self.enabled, self.total, self.done = enabled, total, done
        self._p: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._p = Progress(TextColumn("subjects"), BarColumn(), MofNCompleteColumn(),
                               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                               console=Console(file=sys.stderr), transient=False)
            self._p.__enter__()
            self._task = self._p.add_task("trial", total=self.total, completed=self.done)
        return self

    def advance(self, k: int) -> None:
        if self._p is not None:
            self._p.advance(self._task, k)

    def __exit__(self, *exc: object) -> None:
        if self._p is not None:
            self._p.__exit__(*exc)
