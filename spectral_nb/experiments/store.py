"""Results store: one JSON record per finished run, keyed by the run's spec hash alone.

Layout: ``<root>/<dataset>/<spec hash>.json``. The hash is the identity of everything that
affects a run's result (:attr:`RunSpec.hash <.protocol.spec.RunSpec.hash>` and the other
kinds' specs), so a run two studies ask for is trained and stored once: a study is a *view*
of the records it asks for (:func:`.runner.study_records`), not a folder.

Writes are atomic: a record goes to a temporary ``.tmp-*`` file in the same folder, is
flushed to disk, then renamed over its final name (``os.replace``), so a sweep killed at any
moment leaves complete records only, and resumes by skipping them. Writing a run that already
has a valid record keeps the existing one: nothing is counted twice.

Reading never trusts a file: a record that does not parse, is not a run record, or whose
name, ``spec_hash`` and spec disagree is *damaged*; any other file or folder under a dataset
folder is *foreign*. Either is reported once per process (on standard error, naming the path
and the fix), is never counted as done, and is moved aside by :meth:`ResultsStore.repair`
(into ``<root>/.damaged/``) so that its run is trained again. Temporary files are ignored.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .kinds import KindError, kind_of_record, spec_of_record

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV_VAR = "SPECTRAL_NB_RESULTS"
SUFFIX = ".json"
TMP_PREFIX = ".tmp-"
DAMAGED_FOLDER = ".damaged"
REPAIR_HINT = (
    "`python -m spectral_nb.experiments run <study> --repair` moves it aside "
    "and trains the run again"
)

_REPORTED: set[Path] = set()


def default_root(profile: str) -> Path:
    """Where a profile's records live: ``results/<profile>`` in a checkout.

    ``SPECTRAL_NB_RESULTS`` overrides the parent folder. Paper-profile records are meant
    to be committed; smoke and quick records are ignored by git. An installed (non-editable)
    package keeps them under ``~/.cache/spectral_nb/results/<profile>``.
    """
    parent = os.environ.get(ENV_VAR)
    if parent:
        return Path(parent) / profile
    if (REPO_ROOT / "pyproject.toml").exists():
        return REPO_ROOT / "results" / profile
    return Path.home() / ".cache" / "spectral_nb" / "results" / profile


class StoreError(ValueError):
    """A record that cannot be read or written, with the path and the fix."""


@dataclass(frozen=True)
class Damaged:
    """A file or folder in the store that is not a valid run record."""

    path: Path
    reason: str

    def message(self) -> str:
        return f"{self.path}: {self.reason}; it is not counted as a finished run ({REPAIR_HINT})."


class ResultsStore:
    """Reads and writes run records under one root folder (one profile's records)."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        # path -> ((mtime_ns, size), record or Damaged): each file is parsed once while unchanged
        self._cache: dict[Path, tuple[tuple[int, int], dict[str, Any] | Damaged]] = {}

    # ------------------------------------------------------------------ paths
    def path(self, spec: Any) -> Path:
        """Where the record of ``spec`` lives (whether or not it exists)."""
        return self.root / spec.dataset / f"{spec.hash}{SUFFIX}"

    def _dataset_folders(self, dataset: str | None = None) -> list[Path]:
        if dataset is not None:
            folder = self.root / dataset
            return [folder] if folder.is_dir() else []
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir() if p.is_dir() and not _hidden(p))

    def _entries(self, dataset: str | None = None) -> Iterator[Path]:
        for folder in self._dataset_folders(dataset):
            for entry in sorted(folder.iterdir()):
                if not entry.name.startswith(TMP_PREFIX):
                    yield entry

    # ------------------------------------------------------------------ reading
    def _load(self, path: Path) -> dict[str, Any] | Damaged:
        """The record at ``path``, or why it is not one."""
        if path.is_dir():
            return Damaged(path, "a folder where the store keeps only run records "
                           "(records from before the store was keyed by spec hash are "
                           "moved by `python -m spectral_nb.experiments migrate`)")
        try:
            stat = path.stat()
        except FileNotFoundError:
            return Damaged(path, "missing")
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        loaded = _parse(path)
        self._cache[path] = (stamp, loaded)
        return loaded

    def _report(self, damaged: Damaged) -> None:
        if damaged.path not in _REPORTED:
            _REPORTED.add(damaged.path)
            print(f"spectral_nb: damaged run record {damaged.message()}", file=sys.stderr)

    def has(self, spec: Any) -> bool:
        """Whether ``spec`` has a valid record (a damaged one is reported and counts as none)."""
        path = self.path(spec)
        if not path.exists():
            return False
        loaded = self._load(path)
        if isinstance(loaded, Damaged):
            self._report(loaded)
            return False
        return True

    def read(self, spec: Any) -> dict[str, Any]:
        """The record of ``spec``; a missing or damaged one raises :class:`StoreError`."""
        path = self.path(spec)
        if not path.exists():
            raise StoreError(
                f"No record of run {spec.hash} under {self.root}; train it first "
                "(`python -m spectral_nb.experiments run <study>`)."
            )
        loaded = self._load(path)
        if isinstance(loaded, Damaged):
            raise StoreError(f"Damaged run record {loaded.message()}")
        return loaded

    def records(self, dataset: str | None = None, kind: str | None = None) -> Iterator[dict]:
        """Every valid record, optionally of one dataset and/or kind; damaged ones reported."""
        for entry in self._entries(dataset):
            loaded = self._load(entry)
            if isinstance(loaded, Damaged):
                self._report(loaded)
                continue
            if kind is None or kind_of_record(loaded).name == kind:
                yield loaded

    def damaged(self, dataset: str | None = None) -> list[Damaged]:
        """Every damaged or foreign entry under the dataset folders."""
        found = []
        for entry in self._entries(dataset):
            loaded = self._load(entry)
            if isinstance(loaded, Damaged):
                found.append(loaded)
        return found

    # ------------------------------------------------------------------ writing
    def write(self, record: dict[str, Any]) -> bool:
        """Store ``record`` atomically; ``False`` (nothing written) if its run is recorded."""
        try:
            spec = spec_of_record(record)
        except (KindError, KeyError, TypeError, ValueError) as error:
            raise StoreError(f"Not a run record ({error}); refusing to write it.") from error
        if record.get("spec_hash") != spec.hash:
            raise StoreError("Record's spec_hash does not match its spec; refusing to write it.")
        if self.has(spec):
            return False
        target = self.path(spec)
        target.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(target, json.dumps(record, indent=1, sort_keys=True) + "\n")
        return True

    def repair(self) -> list[Path]:
        """Move every damaged or foreign entry into ``<root>/.damaged/``; return the new paths."""
        moved = []
        stamp = time.strftime("%Y%m%dT%H%M%S")
        for damaged in self.damaged():
            relative = damaged.path.relative_to(self.root)
            target = self.root / DAMAGED_FOLDER / stamp / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(damaged.path), str(target))
            self._cache.pop(damaged.path, None)
            moved.append(target)
        return moved


def _hidden(path: Path) -> bool:
    return path.name.startswith(".")


def _parse(path: Path) -> dict[str, Any] | Damaged:
    if path.suffix != SUFFIX:
        return Damaged(path, "not a run record (foreign file)")
    try:
        record = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return Damaged(path, f"not valid JSON ({error})")
    if not isinstance(record, dict) or "spec" not in record or "spec_hash" not in record:
        return Damaged(path, "not a run record (no 'spec' and 'spec_hash')")
    try:
        spec = spec_of_record(record)
    except (KindError, KeyError, TypeError, ValueError) as error:
        return Damaged(path, f"its spec is not valid ({error})")
    if not (spec.hash == record["spec_hash"] == path.stem):
        return Damaged(
            path, f"file name, spec_hash {record['spec_hash']!r} and spec hash "
            f"{spec.hash!r} disagree",
        )
    if path.parent.name != spec.dataset:
        return Damaged(path, f"a {spec.dataset} run filed under {path.parent.name}")
    return record


def _atomic_write(target: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=TMP_PREFIX, suffix=SUFFIX)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
