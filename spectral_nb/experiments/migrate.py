"""Move records of the per-study layout into the store keyed by spec hash alone.

Before the store was keyed by spec hash, records lived under ``<root>/<dataset>/<study>/
<hash>.json``, so a run two studies asked for was trained and stored twice (the wide and the
deep studies share their l = 3 networks). :func:`migrate` moves every such record to
``<root>/<dataset>/<hash>.json`` and proves that nothing was lost:

- every old file is a valid record whose name, ``spec_hash`` and spec agree;
- records that share a hash (twins) are compared: their results (history, final accuracy,
  trained-parameter count) must be identical, else nothing is moved and the twins are named;
- after the move, the set of hashes in the store equals the set of hashes before, each once,
  and the old folders are gone (only emptied folders are removed).

Twins keep the first record in sorted path order; the other copies are deleted only after the
comparison above. The migration is idempotent: a store already keyed by hash is left as is.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .kinds import spec_of_record
from .store import SUFFIX, TMP_PREFIX

# Fields that must agree between twins: everything the results depend on.
RESULT_FIELDS = ("history", "final_test_accuracy", "trainable_parameters", "spec_hash")


class MigrationError(RuntimeError):
    """The old records cannot be moved without losing or merging different results."""


@dataclass
class Migration:
    """What :func:`migrate` found and did."""

    root: Path
    files_before: int = 0
    distinct_runs: int = 0
    twins_merged: int = 0  # copies removed because an identical record of the run is kept
    moved: int = 0
    files_after: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.root}: {self.files_before} record files in per-study folders, "
            f"{self.distinct_runs} distinct runs; {self.moved} moved, {self.twins_merged} "
            f"identical duplicate(s) merged; {self.files_after} records in the store after."
        )


def _old_records(root: Path) -> list[Path]:
    return sorted(
        path
        for path in root.glob(f"*/*/*{SUFFIX}")
        if not path.name.startswith((TMP_PREFIX, "."))
        and not any(part.startswith(".") for part in path.relative_to(root).parts[:-1])
    )


def _results(record: dict[str, Any]) -> str:
    return json.dumps({k: record.get(k) for k in RESULT_FIELDS}, sort_keys=True)


def migrate(root: str | os.PathLike, dry_run: bool = False) -> Migration:
    """Move the per-study records under ``root`` into the hash-keyed layout (see module)."""
    root = Path(root)
    report = Migration(root=root)
    paths = _old_records(root)
    report.files_before = len(paths)
    by_hash: dict[tuple[str, str], list[tuple[Path, dict[str, Any]]]] = defaultdict(list)
    for path in paths:
        try:
            record = json.loads(path.read_text())
            spec = spec_of_record(record)
        except (ValueError, KeyError, TypeError) as error:
            report.problems.append(f"{path}: not a valid record ({error})")
            continue
        if not (spec.hash == record.get("spec_hash") == path.stem):
            report.problems.append(f"{path}: file name, spec_hash and spec disagree")
            continue
        if spec.dataset != path.parent.parent.name:
            report.problems.append(f"{path}: a {spec.dataset} run under {path.parent.parent}")
            continue
        by_hash[(spec.dataset, spec.hash)].append((path, record))
    for (_, run_hash), copies in by_hash.items():
        if len({_results(record) for _, record in copies}) > 1:
            report.problems.append(
                f"run {run_hash} has records with different results: "
                + ", ".join(str(path) for path, _ in copies)
            )
    if report.problems:
        raise MigrationError(
            "Nothing was moved; fix or remove these files first:\n  "
            + "\n  ".join(report.problems)
        )
    report.distinct_runs = len(by_hash)
    before = set(by_hash)
    if dry_run:
        report.twins_merged = report.files_before - report.distinct_runs
        report.moved = report.distinct_runs
        report.files_after = report.distinct_runs
        return report
    for (dataset, run_hash), copies in by_hash.items():
        target = root / dataset / f"{run_hash}{SUFFIX}"
        keep, *duplicates = copies
        if target.exists():
            raise MigrationError(f"{target} exists already; the store is half migrated.")
        os.replace(keep[0], target)
        report.moved += 1
        for path, _ in duplicates:
            path.unlink()
            report.twins_merged += 1
    for folder in sorted({path.parent for path in paths}, reverse=True):
        if folder.exists() and not any(folder.iterdir()):
            folder.rmdir()
    after = {
        (path.parent.name, path.stem)
        for path in root.glob(f"*/*{SUFFIX}") if not path.name.startswith(TMP_PREFIX)
    }
    report.files_after = len(after)
    if not before <= after:
        raise MigrationError(f"Runs missing after the move: {sorted(before - after)}")
    return report
