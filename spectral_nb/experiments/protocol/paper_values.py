"""Numbers the paper states (Giambagli et al. 2021), in percent test accuracy on MNIST."""

from __future__ import annotations

# Perceptron 784 -> 10 (Fig. 4 and text): mean and spread over 5 runs.
PERCEPTRON: dict[str, tuple[float, float]] = {
    "train_lambda": (82.0, 2.0),
    "constrained": (79.0, 3.0),
    "unconstrained": (92.7, 0.1),
    "train_lambda_phi": (92.5, 0.2),
}

# Table 1: best mean test accuracy over the explored range; no spread is given.
TABLE1: dict[tuple[str, str], float] = {
    ("linear_wide", "constrained"): 87.8,
    ("linear_wide", "train_lambda"): 90.9,
    ("linear_wide", "unconstrained"): 91.0,
    ("linear_wide", "train_lambda_phi"): 92.2,
    ("linear_deep", "constrained"): 90.8,
    ("linear_deep", "train_lambda"): 91.5,
    ("linear_deep", "unconstrained"): 91.2,
    ("linear_deep", "train_lambda_phi"): 91.8,
    ("nonlinear", "constrained"): 88.9,
    ("nonlinear", "train_lambda"): 93.5,
    ("nonlinear", "unconstrained"): 96.4,
    ("nonlinear", "train_lambda_phi"): 97.3,
}

# Fig. 5: spectral (Train Lambda) reaches the unconstrained accuracy near N2 = 1000.
WIDE_MATCHING_N2 = 1000

# Buffoni et al., Sci. Rep. 12, 11201 (2022): unpruned Fashion-MNIST, one hidden ReLU layer.
BUFFONI_FASHION_UNPRUNED: dict[str, float] = {
    "unconstrained": 89.8,
    "train_lambda_phi": 89.6,
    "train_lambda": 88.8,
}

ARCHITECTURES: tuple[str, ...] = ("linear_wide", "linear_deep", "nonlinear")
REGIME_ORDER: tuple[str, ...] = ("constrained", "train_lambda", "unconstrained", "train_lambda_phi")
REGIME_LABELS: dict[str, str] = {
    "train_lambda": "Train Λ",
    "train_lambda_phi": "Train Λ, Φ",
    "constrained": "Constrained NN",
    "unconstrained": "Unconstrained NN",
}
