"""Command line: ``python -m spectral_nb.experiments run <study> --profile <name>``.

Examples
--------
    python -m spectral_nb.experiments run perceptron --profile quick
    python -m spectral_nb.experiments run all --dataset all --profile paper
    python -m spectral_nb.experiments run probes --profile paper   # the gap investigations
    python -m spectral_nb.experiments table1 --profile paper
    python -m spectral_nb.experiments list --profile paper
"""

from __future__ import annotations

import argparse
import sys

from ..profiles import PROFILES
from .protocol.probes import PROBES
from .protocol.spec import DATASETS
from .protocol.studies import STUDIES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m spectral_nb.experiments")
    commands = parser.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--profile", default="quick", help=f"one of {', '.join(PROFILES)}")
        sub.add_argument(
            "--dataset", default="mnist", choices=(*DATASETS, "all"),
            help="dataset (default mnist; 'all' for both)",
        )

    run = commands.add_parser("run", help="train a study's missing runs (resumable)")
    run.add_argument(
        "study", choices=(*STUDIES, "all", *PROBES, "probes"),
        help="a study, 'all' studies, a probe (one factor of the protocol changed) or 'probes'",
    )
    common(run)
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    for name, text in (("table1", "print Table 1 as CSV"), ("list", "count done/missing runs")):
        common(commands.add_parser(name, help=text + " from the stored records alone"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from ..profiles import validate

    try:
        validate(args.profile)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from .protocol.studies import build_study
    from .store import ResultsStore, default_root

    store = ResultsStore(default_root(args.profile))
    datasets = DATASETS if args.dataset == "all" else (args.dataset,)
    studies = STUDIES if getattr(args, "study", "all") in ("all", "probes") else (args.study,)

    if args.command == "run":
        from .protocol.probes import build_probe
        from .runner import run_study

        chosen = getattr(args, "study", "all")
        for dataset in datasets:
            if chosen in PROBES or chosen == "probes":
                for name in PROBES if chosen == "probes" else (chosen,):
                    run_study(build_probe(name, dataset, args.profile), store, not args.quiet)
                continue
            for name in studies:
                run_study(build_study(name, dataset, args.profile), store, not args.quiet)
        return 0

    if args.command == "list":
        from .protocol.probes import build_probe

        for dataset in datasets:
            every = [build_study(name, dataset, args.profile) for name in STUDIES]
            every += [build_probe(name, dataset, args.profile) for name in PROBES]
            for study in every:
                done = sum(store.has(study.name, spec) for spec in study.specs)
                print(f"{dataset:14s} {study.name:33s} {done:4d} / {len(study):4d} runs recorded")
        return 0

    from ..analysis.summaries import runs_frame, table1

    missing = 0
    records = []
    for name in ("wide", "deep", "nonlinear"):
        for spec in build_study(name, datasets[0], args.profile).specs:
            if store.has(name, spec):
                records.append(store.read(name, spec))
            else:
                missing += 1
    if not records:
        print(
            f"error: no {args.profile} records for {datasets[0]} under {store.root}; run "
            f"`python -m spectral_nb.experiments run all --profile {args.profile}` first.",
            file=sys.stderr,
        )
        return 1
    if missing:
        print(f"warning: {missing} runs of the study are not recorded yet", file=sys.stderr)
    table = table1(runs_frame(records), datasets[0])
    columns = ["architecture", "regime", "paper", "mean", "std", "n_seeds"]
    print(table[columns].to_csv(index=False, float_format="%.2f"), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
