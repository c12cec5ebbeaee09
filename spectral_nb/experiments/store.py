"""Results store: one small JSON file per finished run, written atomically.

Layout: ``<root>/<dataset>/<study>/<spec hash>.json``. A record is written only once its
run has finished, through a temporary file and ``os.replace``, so a sweep killed at any
moment leaves complete records only and resumes by skipping them.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .protocol.spec import RunSpec

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV_VAR = "SPECTRAL_NB_RESULTS"


def default_root(profile: str) -> Path:
    """Where a profile's records live: ``results/<profile>`` in a checkout.

    ``SPECTRAL_NB_RESULTS`` overrides the parent folder. Paper-profile records are meant
    to be committed; smoke and quick records are ignored by git.
    """
    parent = os.environ.get(ENV_VAR)
    if parent:
        return Path(parent) / profile
    if (REPO_ROOT / "pyproject.toml").exists():
        return REPO_ROOT / "results" / profile
    return Path.home() / ".cache" / "spectral_nb" / "results" / profile


class ResultsStore:
    """Reads and writes run records under one root folder."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def path(self, study: str, spec: RunSpec) -> Path:
        return self.root / spec.dataset / study / f"{spec.hash}.json"

    def has(self, study: str, spec: RunSpec) -> bool:
        return self.path(study, spec).exists()

    def write(self, study: str, record: dict[str, Any]) -> Path:
        spec = RunSpec.from_dict(record["spec"])
        if record.get("spec_hash") != spec.hash:
            raise ValueError("Record's spec_hash does not match its spec; refusing to write it.")
        target = self.path(study, spec)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(record, indent=1, sort_keys=True) + "\n"
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def read(self, study: str, spec: RunSpec) -> dict[str, Any]:
        path = self.path(study, spec)
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise ValueError(
                f"Run record {path} is not valid JSON ({error}); delete it and rerun the study "
                "to recreate it."
            ) from error

    def records(self, study: str | None = None, dataset: str | None = None) -> Iterator[dict]:
        """All records, optionally of one study and/or dataset."""
        pattern = f"{dataset or '*'}/{study or '*'}/*.json"
        for path in sorted(self.root.glob(pattern)):
            yield json.loads(path.read_text())
