"""Writing results: atomic files and folders, the commands' one output path, manifests,
interrupts.

The bottom layer (with ``errors``): imports nothing from xposim above ``errors`` and
``_version``, and nothing heavy (the CLI uses it before any numerical library loads).
"""

from xposim.io.atomic import atomic_dir as atomic_dir, atomic_file as atomic_file
from xposim.io.interrupts import Interrupted as Interrupted, signals_raise as signals_raise
from xposim.io.manifest import (
    MANIFEST_NAME as MANIFEST_NAME,
    Manifest as Manifest,
    ManifestFormatError as ManifestFormatError,
    file_manifest_path as file_manifest_path,
    read_manifest as read_manifest,
    read_manifest_file as read_manifest_file,
    write_manifest as write_manifest,
)
from xposim.io.output import (
    RunFolder as RunFolder,
    StagedFile as StagedFile,
    StagedFolder as StagedFolder,
    check_destination as check_destination,
)
