"""The CNN chapter's studies: two trained studies of recorded runs, one measured on the fly.

Trained (each a :class:`~spectral_nb.experiments.protocol.studies.Study` of
:class:`~spectral_nb.cnn.spec.CnnSpec` runs, built by :func:`build`, registered in the catalog
under the prefix ``cnn_``, so their records are stored, resumed and reused like every other):

``cnn_classification``  the small CNN with max pooling, spectral pooling, and spectral pooling
                        with randomised resolution (``3 x 3`` spatial filters), over seeds;
``cnn_optimisation``    the same network with max pooling and spatial or spectral filters
                        (the paper's ``3 x 3`` and ``5 x 5``, and ``7 x 7`` beyond them),
                        started from the same function.

Both use one training protocol per profile (:data:`spectral_nb.profiles.CNN_SETTINGS`), so the
max-pooling, spatial ``3 x 3`` run of a seed belongs to both and is trained once.

Measured on the fly, not recorded: :func:`information_study`, the relative error of pooling and
reconstructing images (the paper's Fig. 4a). It is deterministic (no training, no random draw:
fixed images, exact linear maps and window poolings), so a record could only repeat what the
code computes from the hash-verified data, and it takes seconds even at the paper profile's
size; storing it would add a second copy that could drift from the code without adding
anything a reader could not recompute.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..experiments.protocol.studies import NotOnDataset, Study
from ..profiles import CNN_SETTINGS, NATURAL_IMAGES, CnnSettings
from ..profiles import settings as profile_settings
from .spec import PARAMETRISATIONS, POOLINGS, CnnSpec

PREFIX = "cnn_"
STUDIES: tuple[str, ...] = ("cnn_classification", "cnn_optimisation")
LEARNING_RATE = 1e-3  # Adam's default, for every run of the chapter
#: Target fractions of the spectral-pooling sweep (output round(M sqrt f) x round(N sqrt f)).
INFO_FRACTIONS: tuple[float, ...] = tuple(float(f) for f in np.geomspace(1 / 64, 1, 19))
#: Window sizes (= strides) of max and average pooling.
INFO_STRIDES: tuple[int, ...] = (2, 3, 4, 5, 6, 8)


def settings(profile: str) -> CnnSettings:
    """The :class:`~spectral_nb.profiles.CnnSettings` of a resolved profile."""
    return profile_settings(CNN_SETTINGS, profile)


# --- the trained studies ---------------------------------------------------------------------


def kernel_sizes(config: CnnSettings) -> tuple[int, ...]:
    """The optimisation study's filter sizes, smallest first (the profile's ``kernel_sizes``)."""
    return tuple(sorted(set(config.kernel_sizes)))


def run(config: CnnSettings, dataset: str, study: str, label: str, **fields: object) -> CnnSpec:
    """A run of the profile's training protocol with the given network fields."""
    return CnnSpec(
        dataset=dataset, filters=config.filters, epochs=config.epochs,
        batch_size=config.batch_size, learning_rate=LEARNING_RATE,
        train_size=config.train_size, test_size=config.test_size, eval_size=config.eval_size,
        evals_per_epoch=config.evals_per_epoch, tags={"study": study, "label": label},
        **fields,  # type: ignore[arg-type]
    )


def build(name: str, dataset: str = "fashion_mnist", profile: str = "quick") -> Study:
    """The runs of CNN study ``name`` on ``dataset`` under ``profile``.

    Raises
    ------
    ValueError
        For a name that is not one of :data:`STUDIES`, an unknown profile, or a dataset the
        study does not run on under that profile (:func:`chapter_studies`).
    """
    config = settings(profile)
    if name in STUDIES and (name, dataset) not in chapter_studies(profile):
        runs_on = [d for n, d in chapter_studies(profile) if n == name]
        raise NotOnDataset(
            f"{name} runs on {', '.join(runs_on)} under the {profile} profile, not {dataset}."
        )
    if name == "cnn_classification":
        specs = [
            run(config, dataset, name, pooling, pooling=pooling, seed=seed)
            for seed in config.seeds
            for pooling in POOLINGS
        ]
    elif name == "cnn_optimisation":
        specs = [
            run(config, dataset, name, f"{k}x{k} {param}", parametrisation=param,
                kernel_size=k, seed=seed)
            for k in kernel_sizes(config)
            for seed in config.seeds
            for param in PARAMETRISATIONS
        ]
    else:
        raise ValueError(f"Unknown CNN study {name!r}; choose from {', '.join(STUDIES)}.")
    return Study(name, dataset, profile, tuple(specs))


def chapter_studies(profile: str) -> list[tuple[str, str]]:
    """The ``(study, dataset)`` pairs chapter 7 trains under ``profile`` (for resolve_profile)."""
    config = settings(profile)
    return [("cnn_classification", d) for d in config.clf_datasets] + [
        ("cnn_optimisation", "fashion_mnist")
    ]


def distinct_specs(profile: str) -> list[CnnSpec]:
    """The distinct runs (shared runs once) of the chapter's trained studies under ``profile``."""
    return list(
        {spec.hash: spec for name, dataset in chapter_studies(profile)
         for spec in build(name, dataset, profile).specs}.values()
    )


def run_count(profile: str) -> int:
    """How many distinct runs the chapter trains under ``profile``."""
    return len(distinct_specs(profile))


def estimated_hours(profile: str) -> float:
    """The rough training time of every run of ``profile`` on a 2-core CPU (hours)."""
    from .spec import estimate_seconds

    return estimate_seconds(distinct_specs(profile)) / 3600


def records(name: str, profile: str) -> list[dict]:
    """The records of study ``name`` on every dataset the chapter runs it on under ``profile``.

    Runs without a record are trained first (resumable, announced when they take a while),
    through the experiment runner and the profile's results store.
    """
    from ..experiments.runner import run_study

    return [
        record
        for study, dataset in chapter_studies(profile)
        if study == name
        for record in run_study(build(name, dataset, profile))
    ]


def findings(profile: str) -> dict[str, Any]:
    """The chapter's findings that its records decide, for pages that quote chapter 7.

    The pooling comparison paired by seed (``cnn_pool_*``,
    :func:`~spectral_nb.cnn.tables.classification_findings`) and Adam's speed-ups with their
    growth over filter sizes (``cnn_speedup_*``, ``cnn_growth_*``, ``cnn_factor_*``,
    :func:`~spectral_nb.cnn.speedups.speedup_findings`); not the speed-ups in seconds, which
    the chapter times when it is built. Trains what ``profile`` has not recorded.
    """
    from . import speedups, tables

    clf = tables.classification_frame(records("cnn_classification", profile))
    opt = records("cnn_optimisation", profile)
    summary, _ = speedups.optimisation_frames(opt)
    return {
        **tables.classification_findings(tables.classification_table(clf), clf),
        **speedups.speedup_findings(speedups.speedup_table(summary), summary, opt),
    }


# --- a sample of the exactness checks --------------------------------------------------------

EXACTNESS_CASES: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = (
    ((9, 8), (4, 5)),
    ((8, 8), (4, 4)),
)


def exactness_checks(
    cases: Sequence[tuple[tuple[int, int], tuple[int, int]]] = EXACTNESS_CASES, seed: int = 0
) -> pd.DataFrame:
    """A sample of the properties the test suite checks, on random float64 images.

    One row per case and property (``map``, ``property``, ``holds``: ``yes`` or ``no``):
    the imaginary part is at rounding level, pooling an upsampled image returns it,
    upsampling after pooling is idempotent, a constant pools to the same constant, and
    ``<P x, y> = <x, P^T y>`` with ``P^T`` the (scaled) spectral zero-padding.
    """
    from keras import ops

    from .dft import spectral_pool, spectral_pool_complex, spectral_upsample, to_complex

    def arr(t: object) -> np.ndarray:
        return np.asarray(ops.convert_to_numpy(t))

    rng = np.random.default_rng(seed)
    rows = []
    for (m, n), (h, w) in cases:
        x = rng.normal(size=(2, m, n, 3))
        z = to_complex(spectral_pool_complex(x, (h, w)))
        pooled = z.real
        up = arr(spectral_upsample(pooled, (m, n)))
        y = rng.normal(size=(2, h, w, 3))
        adjoint_y = h * w / (m * n) * arr(spectral_upsample(y, (m, n)))
        checks = {
            "imaginary part at rounding level": np.abs(z.imag).max() < 1e-14 * np.abs(z).max(),
            "pool(upsample(y)) = y": np.allclose(
                arr(spectral_pool(spectral_upsample(y, (m, n)), (h, w))), y, atol=1e-13
            ),
            "upsample after pool is idempotent": np.allclose(
                arr(spectral_upsample(spectral_pool(up, (h, w)), (m, n))), up, atol=1e-13
            ),
            "a constant image pools to the same constant": np.allclose(
                arr(spectral_pool(np.full((1, m, n, 1), 0.7), (h, w))), 0.7, atol=1e-14
            ),
            "<P x, y> = <x, P^T y>": np.isclose(
                np.sum(pooled * y), np.sum(x * adjoint_y), rtol=1e-12
            ),
        }
        rows += [(f"{m}x{n} to {h}x{w}", name, "yes" if ok else "no")
                 for name, ok in checks.items()]
    return pd.DataFrame(rows, columns=["map", "property", "holds"])


# --- information preservation (computed on the fly) -------------------------------------------


def natural_images(names: Iterable[str] = NATURAL_IMAGES) -> dict[str, np.ndarray]:
    """Grey-scale float64 images in ``[0, 1]`` from the sample images shipped with scikit-image."""
    import skimage.color
    import skimage.data

    out = {}
    for name in names:
        image = getattr(skimage.data, name)()
        if image.ndim == 3:
            image = skimage.color.rgb2gray(image[..., :3])
        else:
            image = image / 255.0
        out[name] = np.asarray(image, dtype=np.float64)
    return out


def window_pool_reconstruction(images: np.ndarray, stride: int, mode: str) -> np.ndarray:
    """Max or average pool ``(batch, M, N)`` images with ``stride x stride`` windows, upsample back.

    Borders are padded by edge replication up to a multiple of the stride (the image is not
    cropped), and the pooled image is upsampled by repeating each value over its window
    (nearest neighbour), then cropped to ``M x N``. For average pooling this is the
    least-squares reconstruction (the orthogonal projection onto piecewise-constant images);
    max pooling has no better linear inverse.
    """
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average', got {mode!r}.")
    b, m, n = images.shape
    pm, pn = -(-m // stride) * stride, -(-n // stride) * stride
    padded = np.pad(images, ((0, 0), (0, pm - m), (0, pn - n)), mode="edge")
    windows = padded.reshape(b, pm // stride, stride, pn // stride, stride)
    pooled = windows.max(axis=(2, 4)) if mode == "max" else windows.mean(axis=(2, 4))
    up = np.repeat(np.repeat(pooled, stride, axis=1), stride, axis=2)
    return up[:, :m, :n]


def spectral_reconstruction(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Spectral-pool ``(batch, M, N)`` images to ``size`` and zero-pad the spectrum back."""
    from keras import ops

    from .dft import spectral_pool, spectral_upsample

    x = images[..., None]
    pooled = spectral_pool(x, size)
    return ops.convert_to_numpy(spectral_upsample(pooled, images.shape[1:3]))[..., 0]


def reconstructions(image: np.ndarray, stride: int) -> dict[str, tuple[np.ndarray, float]]:
    """One image pooled to ``1 / stride^2`` of its numbers and reconstructed three ways.

    Returns ``label -> (reconstruction, relative error)`` for max, average and spectral
    pooling; spectral pooling keeps as many values as the window poolings
    (``ceil(M / stride) x ceil(N / stride)``), which the labels state.
    """
    m, n = image.shape
    h, w = -(-m // stride), -(-n // stride)
    batch = image[None].astype(np.float64)
    recs = {
        "max pooling": window_pool_reconstruction(batch, stride, "max"),
        "average pooling": window_pool_reconstruction(batch, stride, "average"),
        "spectral pooling": spectral_reconstruction(batch, (h, w)),
    }
    return {
        f"{name}, {h}x{w} kept": (rec[0], float(relative_errors(batch, rec)[0]))
        for name, rec in recs.items()
    }


def relative_errors(images: np.ndarray, reconstructions: np.ndarray) -> np.ndarray:
    """``||x - x'|| / ||x||`` per image."""
    diff = (images - reconstructions).reshape(len(images), -1)
    return np.linalg.norm(diff, axis=1) / np.linalg.norm(images.reshape(len(images), -1), axis=1)


def information_preservation(
    images: np.ndarray,
    dataset: str,
    fractions: Sequence[float] = INFO_FRACTIONS,
    strides: Sequence[int] = INFO_STRIDES,
) -> pd.DataFrame:
    """Relative reconstruction error versus fraction of parameters kept, for one image batch.

    Parameters
    ----------
    images
        ``(batch, M, N)`` grey-scale images of one size.
    dataset
        Label written into the ``dataset`` column.
    fractions
        Target fractions for spectral pooling: output ``round(M sqrt f) x round(N sqrt f)``.
    strides
        Window sizes (= strides) for max and average pooling.

    Returns
    -------
    pandas.DataFrame
        One row per image and setting: ``dataset``, ``method``, ``setting`` (the target
        fraction for spectral pooling, the stride otherwise: the same label for images of
        different sizes), ``fraction`` (kept / total numbers of this image), ``error``.
    """
    images = np.asarray(images, dtype=np.float64)
    _, m, n = images.shape
    rows = []
    done = set()
    for f in fractions:
        h, w = max(1, round(m * math.sqrt(f))), max(1, round(n * math.sqrt(f)))
        if (h, w) in done:
            continue
        done.add((h, w))
        errors = relative_errors(images, spectral_reconstruction(images, (h, w)))
        rows += [("spectral", f"fraction {f:.4f}", h * w / (m * n), e) for e in errors]
    for stride in strides:
        if stride >= min(m, n):
            continue
        fraction = math.ceil(m / stride) * math.ceil(n / stride) / (m * n)
        for mode in ("max", "average"):
            errors = relative_errors(images, window_pool_reconstruction(images, stride, mode))
            rows += [(mode, f"stride {stride}", fraction, e) for e in errors]
    frame = pd.DataFrame(rows, columns=["method", "setting", "fraction", "error"])
    frame.insert(0, "dataset", dataset)
    return frame


def fashion_test_images(count: int) -> np.ndarray:
    """The first ``count`` Fashion-MNIST test images, float64 in ``[0, 1]``."""
    from ..data import load
    from ..data.subsets import PIXEL_SCALE

    _, (x_test, _) = load("fashion_mnist")
    return x_test[:count].astype(np.float64) / PIXEL_SCALE


def information_study(profile: str) -> tuple[pd.DataFrame, dict[str, np.ndarray], np.ndarray]:
    """The information-preservation measurement of ``profile``, with the images it used.

    Returns the frame of :func:`information_preservation` for the natural images (each of its
    own size) and the Fashion-MNIST test images together, the natural images by name, and
    the Fashion-MNIST images.
    """
    config = settings(profile)
    natural = natural_images(config.natural_images)
    fashion = fashion_test_images(config.info_images)
    frame = pd.concat(
        [information_preservation(image[None], "natural") for image in natural.values()]
        + [information_preservation(fashion, "fashion_mnist")],
        ignore_index=True,
    )
    return frame, natural, fashion
