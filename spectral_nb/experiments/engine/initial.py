"""Initial parameters of a run, drawn once from its seed and shared by every training path.

The fast engine and the plain Keras path start from these same arrays, so their results
can be compared run for run. The paper's ranges are the ``Spectral`` layer's defaults
(:data:`spectral_nb.layers.spectral.PAPER_EIGENVECTOR_RANGE` and ``PAPER_EIGENVALUE_RANGE``);
the authors' code draws eigenvectors Glorot-uniform and both eigenvalue sets from
U[-0.5, 0.5] (:data:`AUTHORS_CODE_EIGENVALUE_RANGE`); their pruning code draws eigenvectors
from U[-0.2, 0.2] and output eigenvalues from U[-0.5, 0.5], input eigenvalues 0
(:data:`ZERO_IN_EIGENVECTOR_RANGE`, :data:`ZERO_IN_EIGENVALUE_RANGE`). A direct-space run
without bias (``use_bias=False``) has no ``bias`` array.
"""

from __future__ import annotations

import numpy as np

from ...layers.constrained import choose_trainable_entries
from ...layers.spectral import PAPER_EIGENVALUE_RANGE, PAPER_EIGENVECTOR_RANGE
from ...operators import spectral_kernel
from ..protocol.spec import RunSpec

AUTHORS_CODE_EIGENVALUE_RANGE = 0.5
# The authors' pruning code (convention "zero_in"): eigenvectors U[-0.2, 0.2], output
# eigenvalues U[-0.5, 0.5], input eigenvalues exactly 0.
ZERO_IN_EIGENVECTOR_RANGE = 0.2
ZERO_IN_EIGENVALUE_RANGE = 0.5


def _glorot(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    limit = np.sqrt(6.0 / (n + m))
    return rng.uniform(-limit, limit, size=(n, m))


def constrained_entries_seed(spec: RunSpec, layer: int) -> int:
    """Seed of the random choice of trainable entries in constrained layer ``layer``."""
    return spec.seed * 1009 + layer


def _paper_spectral_draw(
    spec: RunSpec, k: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Layer ``k``'s eigenvectors and eigenvalues as the paper's text initialises them."""
    n, m = spec.sizes[k], spec.sizes[k + 1]
    phi = rng.uniform(-PAPER_EIGENVECTOR_RANGE, PAPER_EIGENVECTOR_RANGE, (n, m))
    lam_in = rng.uniform(-PAPER_EIGENVALUE_RANGE, PAPER_EIGENVALUE_RANGE, n)
    lam_out = rng.uniform(-PAPER_EIGENVALUE_RANGE, PAPER_EIGENVALUE_RANGE, m)
    if k > 0 and spec.inner_eigenvalues == "one":
        lam_in = np.ones(n)  # this book's default reading of the paper after the first layer
    # "random" keeps the draw; "tied" layers are linked to the previous layer below.
    return {"eigenvectors": phi, "eigenvalues_in": lam_in, "eigenvalues_out": lam_out}


def initial_parameters(spec: RunSpec) -> list[dict[str, np.ndarray]]:
    """One dict of float32 arrays per weight layer, in Keras orientation ``(inputs, units)``.

    Spectral layers hold ``eigenvectors``, ``eigenvalues_in``, ``eigenvalues_out``;
    direct layers ``kernel``, ``bias`` and, for constrained runs, ``entries`` (flat indices
    of the trainable kernel entries). A ``tanh_beta`` hidden layer adds ``beta``. With
    ``inner_eigenvalues="tied"`` layer k+1's ``eigenvalues_in`` start equal to layer k's
    ``eigenvalues_out`` (the engine keeps them one variable).
    """
    layers = []
    for k in range(spec.n_layers):
        n, m = spec.sizes[k], spec.sizes[k + 1]
        rng = np.random.default_rng([spec.seed, k])
        if spec.is_spectral:
            if spec.convention == "paper":
                params = _paper_spectral_draw(spec, k, rng)
                if k > 0 and spec.inner_eigenvalues == "tied":
                    params["eigenvalues_in"] = layers[k - 1]["eigenvalues_out"]
            elif spec.convention == "zero_in":
                r, v = ZERO_IN_EIGENVALUE_RANGE, ZERO_IN_EIGENVECTOR_RANGE
                params = {
                    "eigenvectors": rng.uniform(-v, v, (n, m)),
                    "eigenvalues_in": np.zeros(n),
                    "eigenvalues_out": rng.uniform(-r, r, m),
                }
            else:
                r = AUTHORS_CODE_EIGENVALUE_RANGE
                params = {
                    "eigenvectors": _glorot(rng, n, m),
                    "eigenvalues_in": rng.uniform(-r, r, n),
                    "eigenvalues_out": rng.uniform(-r, r, m),
                }
        else:
            if spec.direct_init == "spectral":
                twin = spec.replace(
                    regime="train_lambda", constrained_budget=None, direct_init="glorot"
                )
                draw = _paper_spectral_draw(twin, k, rng)
                kernel = spectral_kernel(
                    draw["eigenvectors"], draw["eigenvalues_in"], draw["eigenvalues_out"]
                )
            else:
                kernel = _glorot(rng, n, m)
            params = {"kernel": kernel, "bias": np.zeros(m)}
            if not spec.use_bias:
                del params["bias"]
            if spec.regime == "constrained":
                params["entries"] = choose_trainable_entries(
                    n, m, spec.constrained_budget[k], constrained_entries_seed(spec, k)
                )
        if k < spec.n_layers - 1 and spec.hidden_activations[k] == "tanh_beta":
            params["beta"] = np.ones(())
        layers.append(
            {
                key: value if key == "entries" else np.asarray(value, dtype=np.float32)
                for key, value in params.items()
            }
        )
    return layers


def epoch_order(spec: RunSpec, epoch: int, n_train: int) -> np.ndarray:
    """The permutation of training examples a run uses in ``epoch`` (its own data order)."""
    return np.random.default_rng([spec.seed, 7919, epoch]).permutation(n_train).astype(np.int32)
