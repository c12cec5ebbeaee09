"""Results store: one JSON record per finished run, keyed by the run's spec hash alone.

Layout: ``<root>/<dataset>/<spec hash>.json``. The hash is the identity of everything that
affects a run's result (:attr:`RunSpec.hash <.protocol.spec.RunSpec.hash>` and the other
kinds' specs), so a run two studies ask for is trained and stored once: a study is a *view*
of the records it asks for (:func:`.runner.study_records`), not a folder.

Writes are atomic: a record goes to a temporary ``.tmp-*`` file in the same folder, is
flushed to disk, then renamed over its final name (``os.replace``), so a sweep killed at any
moment leaves complete records only, and resumes by skipping them. Writing a run that already
has a valid record keeps the existing one: nothing is counted twice.

Every record written carries a checksum of its content (``checksum``: the sha256 of the
canonical JSON of the record without that field, and one digest per field), verified on every
read. Records written before checksums existed carry none and are read as they are.

Reading never trusts a file: a record that does not parse, is not a run record, whose name,
``spec_hash`` and spec disagree, or whose content no longer matches its checksum (edited by
hand, or damaged: the message names the fields that differ) is *damaged*; any other file or
folder under a dataset folder is *foreign*. Either is reported once per process (on standard
error, naming the path and the fix), is never counted as done, and is moved aside by
:meth:`ResultsStore.repair` (into ``<root>/.damaged/``) so that its run is trained again.
Temporary files are ignored while fresh; one older than :data:`STRAY_AGE_S` was left by a
killed writer (a write takes milliseconds): it is reported, and removed by ``repair``.

Before training, :meth:`ResultsStore.check_writable` proves the store can take the records (a
folder, writable: a temporary file is created and removed, with room for them), so a store that
cannot be written fails before any run is trained.

Several processes may train into one store at once: each claims a run before training it
(:class:`Claims`: a file ``<root>/.claims/<hash>.claim`` created atomically, holding the
process id, host and time, refreshed while the run trains), and leaves the runs others claim
to them. A claim whose process is gone (on this host), or that has not been refreshed for
:data:`CLAIM_EXPIRY_S`, is stale and taken over, so a crashed process never blocks a run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .kinds import KindError, kind_of_record, spec_of_record

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV_VAR = "SPECTRAL_NB_RESULTS"
SUFFIX = ".json"
TMP_PREFIX = ".tmp-"
DAMAGED_FOLDER = ".damaged"
CLAIMS_FOLDER = ".claims"
CLAIM_SUFFIX = ".claim"
CHECKSUM_FIELD = "checksum"
# A temporary file older than this was left by a killed writer (a write takes milliseconds).
STRAY_AGE_S = 600.0
# A claim not refreshed for this long is stale (its holder refreshes it every CLAIM_REFRESH_S).
CLAIM_EXPIRY_S = 900.0
CLAIM_REFRESH_S = 30.0
# Room the preflight asks for: per record to write (the largest committed one is ~90 kB), and
# a margin for the file system.
BYTES_PER_RECORD = 256 * 1024
FREE_MARGIN_BYTES = 16 * 1024 * 1024
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

    def __init__(self, root: str | os.PathLike, report_damaged: bool = True) -> None:
        self.root = Path(root)
        # whether reading reports damaged records on standard error (once per path and process);
        # off where the caller lists them itself
        self.report_damaged = report_damaged
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
        if self.report_damaged and damaged.path not in _REPORTED:
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

    def strays(self, older_than_s: float = STRAY_AGE_S) -> list[Path]:
        """Temporary files older than ``older_than_s``: left by a writer that was killed."""
        limit = time.time() - older_than_s
        found = []
        for folder in self._dataset_folders():
            for entry in sorted(folder.glob(f"{TMP_PREFIX}*")):
                with contextlib.suppress(FileNotFoundError):
                    if entry.is_file() and entry.stat().st_mtime < limit:
                        found.append(entry)
        return found

    # ------------------------------------------------------------------ writing
    def check_writable(self, datasets: Iterable[str] = (), records: int = 0) -> None:
        """Prove that ``records`` new records of ``datasets`` can be written, before training.

        Each folder is created if missing, must be a folder, and must take a file (one is
        created and removed); the file system must have room for the records. Else a
        :class:`StoreError` naming the path and the fix.
        """
        folders = [self.root, *(self.root / dataset for dataset in dict.fromkeys(datasets))]
        elsewhere = f"or point {ENV_VAR} to a writable folder"
        for folder in folders:
            if folder.exists() and not folder.is_dir():
                raise StoreError(
                    f"The results store {folder} is a file, not a folder; move the file away "
                    f"{elsewhere}."
                )
            try:
                folder.mkdir(parents=True, exist_ok=True)
                fd, probe = tempfile.mkstemp(dir=folder, prefix=TMP_PREFIX, suffix=".probe")
                os.close(fd)
                os.unlink(probe)
            except OSError as error:
                raise StoreError(
                    f"The results store {folder} is not writable ({error.strerror or error}); "
                    f"make it writable (e.g. chmod u+w) {elsewhere}."
                ) from None
        needed = records * BYTES_PER_RECORD + FREE_MARGIN_BYTES
        free = shutil.disk_usage(self.root).free
        if records and free < needed:
            raise StoreError(
                f"The results store {self.root} has {free / 2**20:.0f} MiB free, less than the "
                f"{needed / 2**20:.0f} MiB that {records} record(s) may take; free some space "
                f"{elsewhere}."
            )

    def write(self, record: dict[str, Any]) -> bool:
        """Store ``record`` atomically, with its checksum; ``False`` (nothing written) if its
        run is recorded already."""
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
        _atomic_write(target, json.dumps(with_checksum(record), indent=1, sort_keys=True) + "\n")
        return True

    def repair(self, older_than_s: float = STRAY_AGE_S) -> list[Path]:
        """Move every damaged or foreign entry into ``<root>/.damaged/`` and delete stray
        temporary files (:meth:`strays`); return the new paths and the deleted ones.

        A store that cannot be changed raises :class:`StoreError` naming the path and the fix.
        """
        changed = []
        stamp = time.strftime("%Y%m%dT%H%M%S")
        try:
            for damaged in self.damaged():
                relative = damaged.path.relative_to(self.root)
                target = self.root / DAMAGED_FOLDER / stamp / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(damaged.path), str(target))
                self._cache.pop(damaged.path, None)
                changed.append(target)
            for stray in self.strays(older_than_s):
                stray.unlink(missing_ok=True)
                changed.append(stray)
        except OSError as error:
            where = error.filename or self.root
            raise StoreError(
                f"Cannot repair the results store {self.root}: {where} cannot be changed "
                f"({error.strerror or error}); make the store writable (e.g. chmod -R u+w "
                f"{self.root}) and run again."
            ) from None
        return changed


def _hidden(path: Path) -> bool:
    return path.name.startswith(".")


# ---------------------------------------------------------------------- checksums
def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def checksum(record: dict[str, Any]) -> dict[str, Any]:
    """The checksum of a record's content (every field but ``checksum`` itself).

    ``sha256`` covers the canonical JSON of the whole content (sorted keys, no spaces);
    ``fields`` holds a short digest of each field, so a mismatch can name what changed.
    """
    content = {key: value for key, value in record.items() if key != CHECKSUM_FIELD}
    return {
        "sha256": hashlib.sha256(_canonical(content)).hexdigest(),
        "fields": {
            key: hashlib.sha256(_canonical(value)).hexdigest()[:16]
            for key, value in sorted(content.items())
        },
    }


def with_checksum(record: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``record`` carrying the checksum of its content."""
    content = {key: value for key, value in record.items() if key != CHECKSUM_FIELD}
    # the checksum covers what a reader will parse: the record as JSON makes it
    content = json.loads(json.dumps(content))
    return {**content, CHECKSUM_FIELD: checksum(content)}


def checksum_mismatch(record: dict[str, Any]) -> str | None:
    """Why ``record``'s content does not match its checksum, or ``None`` when it does
    (or when it carries none: records written before checksums existed)."""
    stored = record.get(CHECKSUM_FIELD)
    if stored is None:
        return None
    if not (isinstance(stored, dict) and isinstance(stored.get("sha256"), str)
            and isinstance(stored.get("fields"), dict)):
        return "its checksum field is malformed"
    actual = checksum(record)
    if actual["sha256"] == stored["sha256"]:
        return None
    before, after = stored["fields"], actual["fields"]
    changed = sorted(k for k in before.keys() & after.keys() if before[k] != after[k])
    removed, added = sorted(before.keys() - after.keys()), sorted(after.keys() - before.keys())
    parts = [f"{', '.join(map(repr, names))} {what}" for names, what in (
        (changed, "changed"), (removed, "removed"), (added, "added")) if names]
    if not parts:  # the field digests match, the whole does not: the checksum was edited
        parts = ["the checksum itself changed"]
    return f"its content does not match its checksum ({'; '.join(parts)}: edited or damaged)"


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
    if spec.hash != record["spec_hash"]:
        return Damaged(
            path, f"its spec_hash {record['spec_hash']!r} is not the hash of its spec "
            f"({spec.hash!r}): the spec or the hash was edited",
        )
    if path.stem != spec.hash:
        return Damaged(
            path, f"the record of run {spec.hash} filed under another run's name "
            f"{path.name!r} (a copied or renamed record; its own name is {spec.hash}{SUFFIX})",
        )
    if path.parent.name != spec.dataset:
        return Damaged(path, f"a {spec.dataset} run filed under {path.parent.name}")
    mismatch = checksum_mismatch(record)
    if mismatch:
        return Damaged(path, mismatch)
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


# ---------------------------------------------------------------------- claims
HOST = socket.gethostname()


@dataclass(frozen=True)
class Holder:
    """Who holds a claim: process id, host, when it claimed, when it last refreshed."""

    pid: int | None
    host: str | None
    since: float | None
    refreshed: float

    def describe(self) -> str:
        who = f"process {self.pid}" if self.pid is not None else "a process"
        return who + (f" on {self.host}" if self.host else "")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


class Claims:
    """This process's claims on runs of one store: who trains which run, across processes.

    :meth:`acquire` creates ``<root>/.claims/<hash>.claim`` atomically (``O_CREAT | O_EXCL``)
    holding this process's id, host and time; it fails while another live process holds the
    run. A claim is *stale*, and taken over, when its process is gone (same host), when it
    names this process but is not held here (left by an interrupted sweep), or when it was not
    refreshed for ``expiry_s`` seconds (a process on another host, or hung). Inside ``with``
    a background thread refreshes every held claim every ``refresh_s`` seconds; leaving the
    block releases them all (and removes the claims folder if no other process has a claim).
    """

    def __init__(
        self, store: ResultsStore, expiry_s: float = CLAIM_EXPIRY_S,
        refresh_s: float = CLAIM_REFRESH_S,
    ) -> None:
        self.folder = store.root / CLAIMS_FOLDER
        self.expiry_s = expiry_s
        self.refresh_s = refresh_s
        self.held: set[Path] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def path(self, spec: Any) -> Path:
        return self.folder / f"{spec.hash}{CLAIM_SUFFIX}"

    # ---------------------------------------------------------------- holding
    def acquire(self, spec: Any) -> bool:
        """Claim ``spec``'s run for this process; ``False`` while another process holds it."""
        path = self.path(spec)
        with self._lock:
            if path in self.held:
                return True
        for _ in range(3):
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileNotFoundError:  # the folder was removed meanwhile (emptied): again
                continue
            except FileExistsError:
                holder = self.holder(spec)
                if holder is not None:
                    return False
                if not self._take_over(path):
                    return False
                continue
            with os.fdopen(fd, "w") as handle:
                json.dump({"pid": os.getpid(), "host": HOST, "time": time.time()}, handle)
            with self._lock:
                self.held.add(path)
                _HELD.add(path)
            return True
        return False

    def release(self, spec: Any) -> None:
        """Give up the claim on ``spec``'s run (its record is written, or it was not trained)."""
        self._release(self.path(spec))

    def _release(self, path: Path) -> None:
        with self._lock:
            if path not in self.held:
                return
            self.held.discard(path)
            _HELD.discard(path)
        path.unlink(missing_ok=True)

    def release_all(self) -> None:
        for path in list(self.held):
            self._release(path)

    def refresh(self) -> None:
        """Mark every held claim as alive now (its file's time)."""
        with self._lock:
            held = list(self.held)
        for path in held:
            with contextlib.suppress(OSError):
                os.utime(path)

    # ---------------------------------------------------------------- others
    def holder(self, spec: Any) -> Holder | None:
        """The live process that holds ``spec``'s run, or ``None`` (free, stale, or ours)."""
        path = self.path(spec)
        if path in self.held:
            return None
        try:
            refreshed = path.stat().st_mtime
            text = path.read_text()
        except FileNotFoundError:
            return None
        try:
            info = json.loads(text)
            pid, host, since = int(info["pid"]), str(info["host"]), float(info["time"])
        except (ValueError, KeyError, TypeError):  # being written, or damaged
            pid, host, since = None, None, None
        if time.time() - refreshed > self.expiry_s:
            return None
        if host == HOST and pid is not None:
            if pid == os.getpid() and path not in _HELD:
                return None  # left by an interrupted sweep of this process
            if not _alive(pid):
                return None
        return Holder(pid, host, since, refreshed)

    def _take_over(self, path: Path) -> bool:
        """Remove the stale claim at ``path``; ``False`` when another process got there
        first (the claim file was replaced by a live one meanwhile)."""
        try:
            before = path.read_bytes()
            trash = path.with_name(f"{path.name}.stale-{os.getpid()}-{threading.get_ident()}")
            os.rename(path, trash)
        except FileNotFoundError:
            return True  # gone meanwhile: try to create it
        if trash.read_bytes() != before:  # a fresh claim was made between read and rename
            with contextlib.suppress(FileExistsError):
                os.link(trash, path)
            trash.unlink(missing_ok=True)
            return False
        trash.unlink(missing_ok=True)
        return True

    # ---------------------------------------------------------------- context
    def __enter__(self) -> Claims:
        self._stop.clear()
        self._thread = threading.Thread(target=self._refresh_loop, daemon=True,
                                        name="spectral_nb-claims")
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.release_all()
        with contextlib.suppress(OSError):  # removed when empty: no trace in a finished store
            self.folder.rmdir()

    def _refresh_loop(self) -> None:
        while not self._stop.wait(self.refresh_s):
            self.refresh()


_HELD: set[Path] = set()  # every claim held by this process, whichever Claims holds it
