"""Command line of the experiments: train studies, list what is recorded, print Table 1."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..profiles import PROFILES
from .protocol.spec import DATASETS
from .protocol.studies import NotOnDataset

DESCRIPTION = """\
Train the book's studies and read their records.

Every finished run is written at once as one JSON record under results/<profile>/<dataset>/,
named by its spec hash, so an interrupted `run` resumes where it stopped and a run that two
studies share is trained once. `list` and `table1` only read records (no TensorFlow)."""

EXAMPLES = """\
examples:
  python -m spectral_nb.experiments run perceptron --profile quick
  python -m spectral_nb.experiments run all --dataset all --profile paper
  python -m spectral_nb.experiments run probes --profile paper      # the gap investigations
  python -m spectral_nb.experiments run all --dataset all --profile paper --ray auto  # on Ray
  python -m spectral_nb.experiments run wide --repair                # move damaged records aside
  python -m spectral_nb.experiments list --profile paper
  python -m spectral_nb.experiments table1 --profile paper --dataset all
  python -m spectral_nb.experiments migrate --profile paper          # old per-study folders"""

TABLE1_COLUMNS = ["architecture", "regime", "paper", "mean", "std", "n_seeds"]
TABLE1_STUDIES = ("wide", "deep", "nonlinear")
LOCAL_RAY = "local"  # --ray without an address


def _parser() -> argparse.ArgumentParser:
    from .catalog import names

    parser = argparse.ArgumentParser(
        prog="python -m spectral_nb.experiments", description=DESCRIPTION, epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser, default_dataset: str = "mnist") -> None:
        sub.add_argument("--profile", default="quick", help=f"one of {', '.join(PROFILES)} "
                         "(default quick)")
        sub.add_argument("--dataset", default=default_dataset, choices=(*DATASETS, "all"),
                         help=f"dataset, or 'all' for both (default {default_dataset})")

    run = commands.add_parser(
        "run", help="train the runs of a study that have no record yet (resumable)",
        description="Train the runs of a study that have no record yet (resumable).",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "study", choices=(*names(), "all", "probes"), metavar="STUDY",
        help="a study or probe name (see `list`), 'all' (the paper's four studies) or "
        "'probes' (every probe)",
    )
    common(run)
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument("--repair", action="store_true",
                     help="first move damaged or foreign files of the store aside "
                     "(into .damaged/), so their runs are trained again")
    cluster = run.add_argument_group("Ray cluster (pip install \"spectral_nb[cluster]\")")
    cluster.add_argument("--ray", nargs="?", const=LOCAL_RAY, metavar="ADDRESS",
                         help="train each group of runs as a Ray task: no ADDRESS starts Ray on "
                         "this machine alone, 'auto' joins the cluster of RAY_ADDRESS, else "
                         "the head's host:port; records are written here")
    cluster.add_argument("--cpus-per-task", type=float, default=1.0, metavar="N",
                         help="CPUs Ray reserves for each group (default 1)")
    cluster.add_argument("--gpus-per-task", type=float, default=0.0, metavar="N",
                         help="GPUs Ray reserves for each group (default 0)")
    listing = commands.add_parser("list", help="count recorded and missing runs per study, "
                                  "and report damaged records")
    common(listing, default_dataset="all")
    table = commands.add_parser("table1", help="print Table 1 as CSV from the stored records")
    common(table)
    migrate = commands.add_parser("migrate", help="move records from per-study folders into "
                                  "the store keyed by spec hash (proves nothing is lost)")
    migrate.add_argument("--profile", default="paper", help="whose records (default paper)")
    migrate.add_argument("--dry-run", action="store_true", help="check and count only")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from ..profiles import validate
    from .store import ResultsStore, default_root

    try:
        validate(args.profile)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    store = ResultsStore(default_root(args.profile))
    if args.command == "migrate":
        return _migrate(store, args.dry_run)
    datasets = DATASETS if args.dataset == "all" else (args.dataset,)
    if args.command == "run":
        return _run(store, args, datasets)
    if args.command == "list":
        return _list(store, args.profile, datasets)
    return _table1(store, args.profile, datasets, with_dataset=args.dataset == "all")


def _study_names(chosen: str) -> tuple[str, ...]:
    from .catalog import probe_names
    from .protocol.studies import STUDIES

    if chosen == "all":
        return STUDIES
    if chosen == "probes":
        return probe_names()
    return (chosen,)


def _run(store, args: argparse.Namespace, datasets: Sequence[str]) -> int:
    from .catalog import build
    from .runner import run_specs

    executor, cluster_errors = None, ()
    if args.ray is not None:
        from .cluster import ClusterError, RayExecutor, RayUnavailable, import_ray

        cluster_errors = (ClusterError,)  # each names the problem and the fix

        try:
            import_ray()
            executor = RayExecutor(
                address=None if args.ray == LOCAL_RAY else args.ray,
                cpus_per_task=args.cpus_per_task, gpus_per_task=args.gpus_per_task,
            )
        except (RayUnavailable, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    elif (args.cpus_per_task, args.gpus_per_task) != (1.0, 0.0):
        print("error: --cpus-per-task and --gpus-per-task need --ray", file=sys.stderr)
        return 2
    if args.repair:
        for path in store.repair():
            print(f"moved aside: {path}", file=sys.stderr)
    try:
        specs = [
            spec
            for dataset in datasets
            for name in _study_names(args.study)
            for spec in build(name, dataset, args.profile).specs
        ]
    except NotOnDataset as error:
        print(f"error: {error} Choose the dataset with --dataset.", file=sys.stderr)
        return 2
    label = f"{args.study} on {args.dataset} ({args.profile})"
    try:
        report = run_specs(specs, store, not args.quiet, executor=executor, label=label)
    except cluster_errors as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(report.summary())
    return 1 if report.damaged else 0


def _list(store, profile: str, datasets: Sequence[str]) -> int:
    from .catalog import build, names

    for dataset in datasets:
        for name in names():
            try:
                study = build(name, dataset, profile)
            except NotOnDataset:
                continue
            done = sum(store.has(spec) for spec in study.specs)
            print(f"{dataset:14s} {name:33s} {done:4d} / {len(study):4d} runs recorded")
    stored = sum(1 for _ in store.records())
    print(f"{stored} distinct runs recorded under {store.root}")
    damaged = store.damaged()
    if damaged:
        print(f"{len(damaged)} damaged or foreign file(s), not counted as recorded "
              "(`run <study> --repair` moves them aside and trains their runs again):")
        for entry in damaged:
            print(f"  {entry.path}: {entry.reason}")
    return 0


def _table1(store, profile: str, datasets: Sequence[str], with_dataset: bool) -> int:
    from ..analysis.summaries import runs_frame, table1
    from .protocol.studies import build_study
    from .runner import study_records

    out = []
    for dataset in datasets:
        records, missing = [], 0
        for name in TABLE1_STUDIES:
            study = build_study(name, dataset, profile)
            found = study_records(study, store, recorded_only=True)
            missing += len(study) - len(found)
            records += found
        if not records:
            print(
                f"error: no {profile} records for {dataset} under {store.root}; run "
                f"`python -m spectral_nb.experiments run all --profile {profile} "
                f"--dataset {dataset}` first.",
                file=sys.stderr,
            )
            return 1
        if missing:
            print(f"warning: {missing} runs of the {dataset} studies are not recorded yet",
                  file=sys.stderr)
        frame = table1(runs_frame(records), dataset)[TABLE1_COLUMNS]
        if with_dataset:
            frame.insert(0, "dataset", dataset)
        out.append(frame)
    import pandas as pd

    print(pd.concat(out).to_csv(index=False, float_format="%.2f"), end="")
    return 0


def _migrate(store, dry_run: bool) -> int:
    from .migrate import MigrationError, migrate

    try:
        report = migrate(store.root, dry_run=dry_run)
    except MigrationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(("dry run: " if dry_run else "") + report.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
