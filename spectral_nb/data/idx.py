"""Parser for the idx format of the original MNIST / Fashion-MNIST files.

Layout: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions, then one
big-endian uint32 per dimension, then the data. Images use magic 2051 (0x00000803, 3 dims),
labels magic 2049 (0x00000801, 1 dim).
"""

from __future__ import annotations

import struct

import numpy as np

_UBYTE = 0x08
KNOWN_MAGICS = {2049: 1, 2051: 3}  # magic number -> number of dimensions


class IdxFormatError(ValueError):
    """The bytes are not a well-formed uint8 idx file."""


def parse_idx(data: bytes, expected_magic: int | None = None) -> np.ndarray:
    """Parse an uncompressed idx file into a uint8 array.

    Parameters
    ----------
    data : bytes
        The whole idx file (already decompressed).
    expected_magic : int, optional
        If given, the magic number must equal this (2051 for images, 2049 for labels).

    Returns
    -------
    numpy.ndarray
        A writable, C-contiguous uint8 array with the shape stored in the header.

    Raises
    ------
    IdxFormatError
        On a bad magic number, a header/payload size mismatch or a truncated file.
    """
    if len(data) < 4:
        raise IdxFormatError(f"idx data too short ({len(data)} bytes)")
    (magic,) = struct.unpack(">I", data[:4])
    if magic not in KNOWN_MAGICS or (expected_magic is not None and magic != expected_magic):
        wanted = expected_magic if expected_magic is not None else sorted(KNOWN_MAGICS)
        raise IdxFormatError(f"bad idx magic number {magic} (expected {wanted})")
    if data[2] != _UBYTE:  # implied by the magic check; kept explicit for clarity
        raise IdxFormatError(f"unsupported idx element type 0x{data[2]:02x}")
    ndim = KNOWN_MAGICS[magic]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IdxFormatError("idx header truncated")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    expected = header + int(np.prod(dims, dtype=np.int64))
    if len(data) != expected:
        raise IdxFormatError(f"idx size {len(data)} bytes != {expected} implied by dims {dims}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims).copy()
