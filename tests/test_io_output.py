"""The one output path (xposim.io): destinations checked before work, all-or-nothing
writes with the user's umask, manifests, refusal of a folder holding another run, and the
resumable run folder the trial runner builds on."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from xposim.errors import InputError
from xposim.io import (
    Interrupted,
    Manifest,
    RunFolder,
    StagedFile,
    StagedFolder,
    atomic_dir,
    atomic_file,
    check_destination,
    read_manifest,
)
from xposim.io.manifest import fingerprint, package_versions
from xposim.io.text import count_lines


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial-" in p.name)


def manifest(command: str = "pk", **inputs: object) -> Manifest:
    return Manifest(command=command, inputs=inputs or {"regimen": "x"}, argv=("xposim", command))


# ------------------------------------------------------------------ permissions (issue 10.5)
def test_atomic_writes_give_files_the_umask_mode_not_0600(tmp_path, umask_022):
    with atomic_file(tmp_path / "a.csv") as tmp:
        tmp.write_text("x\n")
    with atomic_dir(tmp_path / "d") as tmp:
        (tmp / "b.csv").write_text("y\n")
    with StagedFile(tmp_path / "c.xml") as f:
        f.path.write_text("<sbml/>")
    with StagedFolder(tmp_path / "run", manifest=manifest()) as run:
        (run.path / "pk.csv").write_text("z\n")
    assert mode(tmp_path / "a.csv") == 0o644
    assert mode(tmp_path / "d" / "b.csv") == 0o644
    assert mode(tmp_path / "c.xml") == 0o644
    assert mode(tmp_path / "run") == 0o755
    assert mode(tmp_path / "run" / "pk.csv") == 0o644
    assert mode(tmp_path / "run" / "manifest.json") == 0o644


def test_a_stricter_umask_is_respected(tmp_path):
    old = os.umask(0o077)
    try:
        with StagedFile(tmp_path / "private.csv") as f:
            f.path.write_text("x\n")
    finally:
        os.umask(old)
    assert mode(tmp_path / "private.csv") == 0o600


# ------------------------------------------------------------------ destinations checked first
@pytest.mark.parametrize("kind", ["folder", "file"])
def test_bad_destinations_are_refused_naming_the_field(tmp_path, kind):
    a_file = tmp_path / "f"
    a_file.write_text("hi\n")
    (tmp_path / "d").mkdir()
    with pytest.raises(InputError, match="out: must not be empty"):
        check_destination("", kind=kind)
    with pytest.raises(InputError, match=r"out: cannot be created: .*f is a file"):
        check_destination(a_file / "sub", kind=kind)
    if kind == "folder":
        with pytest.raises(InputError, match="out: exists and is a file, not a folder"):
            check_destination(a_file, kind="folder")
    else:
        with pytest.raises(InputError, match="out: is a folder; give a file name"):
            check_destination(tmp_path / "d", kind="file")
    with pytest.raises(InputError, match="plots: must not be empty"):
        check_destination("  ", kind=kind, field="plots")


def test_a_file_output_may_not_overwrite_its_input(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("ID,TIME\n1,0\n")
    with pytest.raises(InputError, match="out: is an input file"):
        check_destination(tmp_path / "." / "data.csv", kind="file", inputs=[data])


@pytest.mark.skipif(not Path("/sys").is_dir(), reason="needs a read-only /sys")
def test_an_unwritable_place_is_refused_before_any_work(tmp_path):
    # /sys refuses new entries even to root (chmod-based tests would pass as root)
    with pytest.raises(InputError, match=r"out: cannot be (written|created)"):
        StagedFolder("/sys/xposim-test-run", manifest=manifest())
    with pytest.raises(InputError, match=r"out: cannot be (written|created)"):
        StagedFile("/sys/xposim-test.csv")


# ------------------------------------------------------------------ all or nothing
def test_a_staged_folder_appears_complete_with_its_manifest_or_not_at_all(tmp_path):
    target = tmp_path / "deep" / "er" / "run"
    run = StagedFolder(target, manifest=manifest())
    assert run.path.parent == target.parent and run.path.name.startswith(".run.partial-")
    assert not target.exists()  # reserved beside it, not there yet
    (run.path / "pk.csv").write_text("1\n")
    run.record(seed=7, model_hash={"selinexor": "abc"})
    run.commit()
    m = read_manifest(target)
    assert m is not None and m.status == "complete" and m.seed == 7
    assert m.files == {"pk.csv": 2} and m.finished is not None
    assert leftovers(target.parent) == []


@pytest.mark.parametrize("error", [ValueError("boom"), KeyboardInterrupt(), Interrupted(15)])
def test_an_error_or_interrupt_leaves_nothing_not_even_created_parents(tmp_path, error):
    target = tmp_path / "new" / "run"
    with pytest.raises(type(error)), StagedFolder(target, manifest=manifest()) as run:
        (run.path / "half.csv").write_text("1\n")
        raise error
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(type(error)), StagedFile(tmp_path / "x" / "t.csv") as f:
        f.path.write_text("half")
        raise error
    assert list(tmp_path.iterdir()) == []


def test_a_folder_holding_another_run_is_refused_unless_overwrite(tmp_path):
    target = tmp_path / "run"
    with StagedFolder(target, manifest=manifest(regimen="a")) as run:
        (run.path / "old.csv").write_text("old\n")
    with pytest.raises(InputError, match=r"out: holds another run \(xposim pk, complete, "
                                         r"started .*\); give --overwrite"):
        StagedFolder(target, manifest=manifest(regimen="b"))
    # the same command and inputs: the same result, replaced without asking
    with StagedFolder(target, manifest=manifest(regimen="a")) as run:
        (run.path / "new.csv").write_text("new\n")
    assert sorted(p.name for p in target.iterdir()) == ["manifest.json", "new.csv"]
    # --overwrite: the old run's files do not linger beside the new ones (issue 10.6)
    with StagedFolder(target, manifest=manifest(regimen="b"), overwrite=True) as run:
        (run.path / "b.csv").write_text("b\n")
    assert sorted(p.name for p in target.iterdir()) == ["b.csv", "manifest.json"]
    assert read_manifest(target).inputs == {"regimen": "b"}  # type: ignore[union-attr]
    assert leftovers(tmp_path) == []


def test_a_non_empty_folder_that_is_not_a_run_is_never_replaced(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    for overwrite in (False, True):
        with pytest.raises(InputError, match="not empty and holds no xposim run"):
            StagedFolder(tmp_path / "mine", manifest=manifest(), overwrite=overwrite)
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"
    (tmp_path / "empty").mkdir()
    with StagedFolder(tmp_path / "empty", manifest=manifest()) as run:
        (run.path / "a.csv").write_text("a\n")
    assert (tmp_path / "empty" / "manifest.json").is_file()


def test_inputs_are_fixed_when_the_folder_is_reserved(tmp_path):
    run = StagedFolder(tmp_path / "run", manifest=manifest())
    with pytest.raises(ValueError, match="inputs of a run are fixed"):
        run.record(inputs={"other": 1})
    run.discard()


# ------------------------------------------------------------------ manifest
def test_manifest_fields_round_trip_and_fingerprint():
    m = Manifest(command="pk", inputs={"regimen": "selinexor 80 mg PO once", "n": None},
                 argv=("xposim", "pk"), seed=3, model_hash="f" * 64,
                 details={"simulated_hours": 72.0})
    data = m.to_json()
    assert set(data) == {"format", "command", "argv", "inputs", "fingerprint", "seed",
                         "model_hash", "details", "versions", "started", "finished",
                         "status", "files"}
    assert Manifest.from_json(json.loads(json.dumps(data))).to_json() == data
    # the fingerprint is the command and its inputs, not the spelling or the run
    assert m.fingerprint == fingerprint("pk", {"n": None, "regimen": "selinexor 80 mg PO once"})
    assert m.fingerprint == m.updated(argv=("xposim", "pk", "-q"), seed=9).fingerprint
    assert m.fingerprint != fingerprint("pk", {"regimen": "selinexor 60 mg PO once", "n": None})
    with pytest.raises(InputError, match=r"manifest\.status: must be one of"):
        Manifest(command="pk", status="done")  # type: ignore[arg-type]


def test_versions_name_the_package_python_and_every_runtime_dependency():
    v = package_versions()
    for name in ("xposim", "python", "platform", "numpy", "scipy", "pandas", "libroadrunner",
                 "python-libsbml", "typer", "rich"):
        assert v.get(name) and v[name] != "not installed", name


def test_an_unreadable_manifest_is_named(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(InputError, match="manifest: cannot be read"):
        read_manifest(tmp_path)


# ------------------------------------------------------------------ resumable run folder
def test_run_folder_records_interruption_and_resumes_the_same_command(tmp_path):
    target = tmp_path / "trial"
    m = manifest("trial run", protocol="storm", n=400, seed=1)
    with pytest.raises(Interrupted), RunFolder(target, manifest=m) as run:
        assert not run.resumed
        with run.file("chunk-0000.parquet") as tmp:
            tmp.write_bytes(b"chunk 0")
        with run.file("chunk-0001.parquet") as tmp:
            tmp.write_bytes(b"half")
            raise Interrupted(2)  # Ctrl-C while chunk 1 is being written
    after = read_manifest(target)
    assert after is not None and after.status == "interrupted"  # not a result
    assert sorted(p.name for p in target.iterdir()) == ["chunk-0000.parquet",
                                                        "manifest.json"]
    # the same command resumes: finished chunks are kept, the start time too
    with RunFolder(target, manifest=m) as run:
        assert run.resumed and run.has("chunk-0000.parquet")
        assert not run.has("chunk-0001.parquet")
        with run.file("chunk-0001.parquet") as tmp:
            tmp.write_bytes(b"chunk 1")
    done = read_manifest(target)
    assert done is not None and done.status == "complete" and done.started == after.started
    assert done.files == {"chunk-0000.parquet": 7, "chunk-0001.parquet": 7}
    # another command is refused; --overwrite starts afresh
    other = manifest("trial run", protocol="storm", n=400, seed=2)
    with pytest.raises(InputError, match="out: holds another run"):
        RunFolder(target, manifest=other)
    with RunFolder(target, manifest=other, overwrite=True) as run:
        assert not run.resumed and not run.has("chunk-0000.parquet")
    with pytest.raises(RuntimeError), RunFolder(target, manifest=other) as run:
        raise RuntimeError("solver bug")
    assert read_manifest(target).status == "failed"  # type: ignore[union-attr]


def test_run_folder_files_are_plain_names(tmp_path):
    run = RunFolder(tmp_path / "r", manifest=manifest())
    for bad in ("../escape.csv", "manifest.json", "a/b.csv"):
        with pytest.raises(InputError, match="file: must be a plain file name"), \
                run.file(bad):
            pass


def test_run_folder_chunk_folders_appear_whole_and_duplicates_keep_the_first(tmp_path):
    run = RunFolder(tmp_path / "r", manifest=manifest("trial run"))
    with run.folder("chunks/A/000000") as tmp:
        (tmp / "a.parquet").write_bytes(b"first")
        (tmp / "b.parquet").write_bytes(b"first")
    with pytest.raises(Interrupted), run.folder("chunks/A/000001") as tmp:
        (tmp / "a.parquet").write_bytes(b"half")
        raise Interrupted(2)
    with run.folder("chunks/A/000000") as tmp:  # a retried duplicate (Dask, process pool)
        (tmp / "a.parquet").write_bytes(b"again")
    chunk_root = tmp_path / "r" / "chunks" / "A"
    assert sorted(p.name for p in chunk_root.iterdir()) == ["000000"]  # nothing partial
    assert (chunk_root / "000000" / "a.parquet").read_bytes() == b"first"
    for bad in ("../escape", "/abs", "manifest.json", "chunks/../x", "a/.b.partial-1", ""):
        with pytest.raises(InputError, match="folder: must be a relative path"), \
                run.folder(bad):
            pass


def test_resuming_removes_the_temporaries_an_interrupted_run_left(tmp_path):
    target = tmp_path / "r"
    m = manifest("trial run", protocol="storm")
    with RunFolder(target, manifest=m) as run, run.folder("chunks/A/000000") as tmp:
        (tmp / "a.parquet").write_bytes(b"done")
    # what SIGKILL during writes leaves (the atomic writes' hidden siblings)
    (target / "chunks" / "A" / ".000001.partial-0a1b2c3d").mkdir()
    (target / "chunks" / "A" / ".000001.partial-0a1b2c3d" / "a.parquet").write_bytes(b"h")
    (target / ".endpoints.partial-0a1b2c3d.json").write_text("{")
    (target / "chunks" / "A" / "notes.partial-ok.txt").write_text("not hidden: not ours")
    run = RunFolder(target, manifest=m)
    assert run.resumed
    names = sorted(p.relative_to(target).as_posix() for p in target.rglob("*"))
    assert names == ["chunks", "chunks/A", "chunks/A/000000", "chunks/A/000000/a.parquet",
                     "chunks/A/notes.partial-ok.txt", "manifest.json"]


class _Sims(RunFolder):
    COMMAND = "sims"


def test_existing_opens_a_run_for_reading_and_names_what_it_is_not(tmp_path):
    with RunFolder(tmp_path / "r", manifest=manifest("sims", n=3)) as run, \
            run.file("a.csv") as tmp:
        tmp.write_text("a\n")
    before = (tmp_path / "r" / "manifest.json").read_text()
    read = _Sims.existing(tmp_path / "r")
    assert isinstance(read, _Sims) and read.manifest.inputs == {"n": 3}
    assert read.manifest.status == "complete" and read.has("a.csv")
    with pytest.raises(RuntimeError, match="opened for reading"):
        read.finish("failed")
    with pytest.raises(RuntimeError, match="opened for reading"), read.file("b.csv"):
        pass
    assert (tmp_path / "r" / "manifest.json").read_text() == before
    with pytest.raises(InputError, match=r"^dir: holds no xposim sims \(it holds xposim pk"):
        _Sims.existing(_done(tmp_path / "pk", manifest()))
    with pytest.raises(InputError, match=r"^dir: holds no xposim sims \(no manifest.json\)"):
        _Sims.existing(tmp_path)
    with pytest.raises(InputError, match=r"^dir: is not a folder holding an xposim run"):
        RunFolder.existing(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="holds runs of 'sims'"):
        _Sims(tmp_path / "x", manifest=manifest("pk"))


def _done(path: Path, m: Manifest) -> Path:
    with StagedFolder(path, manifest=m):
        pass
    return path


def test_a_refusal_quotes_the_summary_of_the_run_in_the_folder(tmp_path):
    m = manifest("trial run", n=3).updated(details={"summary": "of protocol storm"})
    with RunFolder(tmp_path / "r", manifest=m):
        pass
    with pytest.raises(InputError, match=r"holds another run \(xposim trial run of protocol "
                                         r"storm, complete, started .*\); give --overwrite"):
        RunFolder(tmp_path / "r", manifest=manifest("trial run", n=4))


@pytest.mark.parametrize("fmt, who", [("xposim-trial-run", "an older xposim"),
                                      (2, "a newer xposim")])
def test_a_folder_of_another_manifest_format_is_named_never_misread(tmp_path, fmt, who):
    old = tmp_path / "old"
    old.mkdir()
    (old / "manifest.json").write_text(json.dumps({"format": fmt, "status": "complete"}))
    (old / "endpoints.json").write_text("{}")
    with pytest.raises(InputError, match=f"^manifest: was written by {who}"):
        read_manifest(old)
    with pytest.raises(InputError, match=f"^dir: was written by {who}"):
        RunFolder.existing(old)
    for staged in (StagedFolder, RunFolder):
        with pytest.raises(InputError, match=f"^out: holds a run written by {who}.*give "
                                             "--overwrite to replace it"):
            staged(old, manifest=manifest())
    assert sorted(p.name for p in old.iterdir()) == ["endpoints.json", "manifest.json"]
    with RunFolder(old, manifest=manifest(), overwrite=True):  # it is xposim's: replaced
        pass
    assert sorted(p.name for p in old.iterdir()) == ["manifest.json"]
    assert read_manifest(old).command == "pk"  # type: ignore[union-attr]


def test_count_lines_reads_without_loading(tmp_path):
    p = tmp_path / "d.csv"
    p.write_bytes(b"h\n" + b"1\n" * 2_000_000 + b"2")
    assert count_lines(p) == 2_000_002
    assert 10 < count_lines(p, stop_after=10) < 2_000_002  # stopped after one block
    (tmp_path / "e.csv").write_bytes(b"")
    assert count_lines(tmp_path / "e.csv") == 0
