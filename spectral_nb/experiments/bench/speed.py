"""``make bench``: runs per minute of the engine versus one Keras model per run (``model.fit``).

For each of four networks (:data:`NETWORKS`: perceptron, wide ``N2 = 1000``, deep
800-600-500, non-linear ``N2 = 1000``) the same Train-Lambda runs are trained both ways in this
one process: the engine trains a group of runs together; the ordinary way builds, compiles and
fits one Keras model per run (Keras shuffles, as a user's script would). Both evaluate the
test set every epoch, and the engine's time includes its compilation. Printed per network:
runs per minute of each, their ratio, and the mean final test accuracy of both on the runs
they share. Ratios, not absolute times, are comparable between machines.

Then the paper protocol's cost (:mod:`.protocol_cost`): a lower bound of its training time on
this machine (its parameter-steps times this machine's fused AdaMax time per parameter), beside
the wall time the committed paper-profile records took. ``--project-protocol`` also trains
every group of the protocol for two epochs and extrapolates to its 20 (:mod:`.projection`):
what the protocol takes with the engine as it is now. Results: ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from ..engine.tensors import load_dataset
from ..engine.trainer import train_runs
from ..protocol.spec import RunSpec
from .keras_path import train_keras

# name: (layer sizes, hidden activations, learning rate, batch size), as in the paper
NETWORKS: dict[str, tuple[tuple[int, ...], tuple[str, ...], float, int]] = {
    "perceptron 784-10": ((784, 10), (), 0.03, 300),
    "wide 784-1000-10": ((784, 1000, 10), ("linear",), 0.03, 300),
    "deep 784-800-600-500-10": ((784, 800, 600, 500, 10), ("linear",) * 3, 0.03, 300),
    "non-linear 784-1000-120-10": ((784, 1000, 120, 10), ("linear", "relu"), 0.01, 800),
}


def bench(epochs: int, engine_runs: int, keras_runs: int, only: str | None = None) -> list[dict]:
    """Time ``engine_runs`` runs with the engine and ``keras_runs`` with ``model.fit``.

    Prints and returns one row per network whose name contains ``only`` (all if ``None``):
    runs per minute of both, their ratio ``speedup``, and mean final test accuracies (%).
    """
    data = load_dataset("mnist")
    rows = []
    for name, (sizes, activations, lr, batch) in NETWORKS.items():
        if only and only not in name:
            continue
        specs = [
            RunSpec(dataset="mnist", sizes=sizes, hidden_activations=activations,
                    regime="train_lambda", seed=seed, learning_rate=lr, batch_size=batch,
                    epochs=epochs)
            for seed in range(engine_runs)
        ]
        start = time.perf_counter()
        engine = train_runs(specs, data)
        engine_s = time.perf_counter() - start

        start = time.perf_counter()
        keras = [train_keras(spec, data) for spec in specs[:keras_runs]]
        keras_s = time.perf_counter() - start

        row = {
            "network": name,
            "engine_runs_per_min": 60 * engine_runs / engine_s,
            "keras_runs_per_min": 60 * keras_runs / keras_s,
            "engine_accuracy": 100 * np.mean([r.test_accuracy[-1] for r in engine[:keras_runs]]),
            "keras_accuracy": 100 * np.mean([h["test_accuracy"][-1] for h in keras]),
        }
        row["speedup"] = row["engine_runs_per_min"] / row["keras_runs_per_min"]
        rows.append(row)
        _print_row(row)
    return rows


def _print_row(row: dict) -> None:
    print(
        f"{row['network']:28s} engine {row['engine_runs_per_min']:7.2f} runs/min   "
        f"keras fit {row['keras_runs_per_min']:6.2f} runs/min   speed-up x{row['speedup']:5.1f}   "
        f"accuracy engine {row['engine_accuracy']:.2f} % vs keras {row['keras_accuracy']:.2f} %",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m spectral_nb.experiments.bench [--epochs E] [--only NAME] ...``; returns 0."""
    parser = argparse.ArgumentParser(prog="python -m spectral_nb.experiments.bench")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--engine-runs", type=int, default=10, help="runs trained together")
    parser.add_argument("--keras-runs", type=int, default=1, help="runs done with model.fit")
    parser.add_argument("--only", help="substring of the network names to run")
    parser.add_argument(
        "--project-protocol", action="store_true",
        help="time two epochs of every group of the paper protocol on MNIST and extrapolate",
    )
    args = parser.parse_args(argv)
    print(f"Bench on {os.cpu_count()} CPU cores / visible accelerators, {args.epochs} epochs, "
          f"{args.engine_runs} engine runs together vs {args.keras_runs} model.fit runs.")
    bench(args.epochs, args.engine_runs, args.keras_runs, args.only)
    if not args.only:
        print_protocol_cost()
    if args.project_protocol:
        print_protocol_projection()
    return 0


def print_protocol_cost() -> None:
    """The paper protocol's optimiser-bound time on this machine against its recorded time."""
    from ..protocol.studies import STUDIES, build_study
    from ..store import ResultsStore, default_root
    from .protocol_cost import protocol_cost

    store = ResultsStore(default_root("paper"))
    for datasets in (("mnist",), ("mnist", "fashion_mnist")):
        # distinct runs: a run two studies share is trained (and recorded) once
        specs = list({
            s.hash: s for d in datasets for n in STUDIES for s in build_study(n, d, "paper").specs
        }.values())
        recorded = [store.read(s)["wall_time_s"] for s in specs if store.has(s)]
        cost = protocol_cost(specs, recorded)
        print(
            f"paper protocol, {' + '.join(datasets)}: {cost.runs} runs, "
            f"{cost.parameter_steps / 1e12:.2f} x 10^12 parameter-steps x "
            f"{1e9 * cost.seconds_per_parameter_step:.2f} ns (fused AdaMax here) = at least "
            f"{cost.bound_hours:.2f} h for the optimiser alone; recorded: "
            f"{cost.recorded_hours:.2f} h for {cost.recorded_runs} runs "
            f"({cost.recorded_hours / cost.bound_hours:.1f}x the bound)",
            flush=True,
        )


def print_protocol_projection() -> None:
    """Two epochs of every MNIST group of the paper protocol, extrapolated to its epochs."""
    from ..protocol.studies import STUDIES, build_study
    from .projection import project

    total = 0.0
    for name in STUDIES:
        specs = build_study(name, "mnist", "paper").specs
        timings = project(specs, on_group=lambda t: print(
            f"  {t.label:55s} first epoch {t.first_epoch_s:6.1f} s, then "
            f"{t.later_epoch_s:6.2f} s/epoch -> {t.projected_s / 60:5.1f} min", flush=True))
        seconds = sum(t.projected_s for t in timings)
        total += seconds
        print(f"paper protocol, mnist/{name}: {len(specs)} runs in {len(timings)} groups, "
              f"projected {seconds / 3600:.2f} h", flush=True)
    print(f"paper protocol, mnist: projected {total / 3600:.2f} h with the engine as it is now; "
          f"Fashion-MNIST has the same runs and sizes, so both datasets take about "
          f"{2 * total / 3600:.2f} h", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
