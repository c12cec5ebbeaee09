"""Exceptions raised by :mod:`spectral_nb.data`."""

from __future__ import annotations


class DataError(RuntimeError):
    """A dataset could not be loaded, fetched or verified.

    The message always says what failed and how to fix it.
    """


class UnknownDatasetError(DataError, KeyError):
    """The requested dataset name is not one of the supported datasets."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class SourceError(DataError):
    """One download source failed; the next source is tried."""


class VerificationError(SourceError):
    """Bytes or arrays did not match their known sha256 hash."""


class CorruptCacheError(DataError):
    """A cache file exists but cannot be read or does not match the known hashes."""
