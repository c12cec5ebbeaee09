"""Command line of the experiments: train studies, list what is recorded, print Table 1."""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
from collections.abc import Sequence

from ..profiles import AUTO, PROFILES
from .protocol.spec import DATASETS
from .protocol.studies import NotOnDataset

DESCRIPTION = """\
Train the book's studies and read their records.

Every finished run is written at once as one JSON record under results/<profile>/<dataset>/,
named by its spec hash, so an interrupted `run` resumes where it stopped and a run that two
studies share is trained once; several `run`s (or a `run` and a Ray driver) on one store
share the work, each run trained by one of them. `list` and `table1` only read records (no
TensorFlow). Exit status: 0 done, 1 a problem the message names (unwritable store, unreachable
cluster, missing data, damaged records, an incomplete table), 2 a wrong argument, 130
interrupted (the records written so far are kept: run again to resume)."""

EXAMPLES = """\
examples:
  python -m spectral_nb.experiments run perceptron --profile quick
  python -m spectral_nb.experiments run all --dataset all --profile paper
  python -m spectral_nb.experiments run probes --profile paper      # the gap investigations
  python -m spectral_nb.experiments run all --dataset all --profile paper --ray auto  # on Ray
  python -m spectral_nb.experiments run wide --repair                # move damaged records aside
  python -m spectral_nb.experiments list --profile paper
  python -m spectral_nb.experiments table1 --profile paper --dataset all
  python -m spectral_nb.experiments table1 --profile quick --allow-partial
  python -m spectral_nb.experiments migrate --profile paper          # old per-study folders"""

TABLE1_COLUMNS = ["architecture", "regime", "paper", "mean", "std", "n_seeds"]
TABLE1_DETAILS = ["point", "missing"]  # last: what each cell rests on
INTERRUPTED = 130  # the shell's status for a process ended by Ctrl-C (128 + SIGINT)
TABLE1_STUDIES = ("wide", "deep", "nonlinear")
LOCAL_RAY = "local"  # --ray without an address
# TensorFlow's start-up notes on standard error, written by its C++ logging before Python can
# silence it (TF_CPP_MIN_LOG_LEVEL does not cover the notes logged before absl's set-up): the
# absl preamble, info lines, and the warnings and errors of a machine without a GPU.
TF_NOISE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\)"
    r"|I\d{4} \d\d:\d\d:[\d.]+ +\d+ [\w.]+:\d+\]"
    r"|[WE]\d{4} \d\d:\d\d:[\d.]+ +\d+ [\w.]+:\d+\] .*("
    r"cuInit|Could not find cuda drivers|Unable to register cu\w+ factory"
    r"|computation placer already registered|TF-TRT Warning)"
    r"|To enable the following instructions: .* rebuild TensorFlow"
)


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
    cluster.add_argument("--ray-timeout", type=float, default=None, metavar="SECONDS",
                         help="give up joining the cluster when its head does not answer "
                         "within this time (default 30)")
    listing = commands.add_parser("list", help="count recorded and missing runs per study, "
                                  "and report damaged records")
    common(listing, default_dataset="all")
    table = commands.add_parser(
        "table1", help="print Table 1 as CSV from the stored records",
        description="Print Table 1 as CSV: per cell the paper's value, our best mean over the "
        "sweep, its std, the seeds it averages and the sweep point it comes from. A cell "
        "with a run not recorded is incomplete: its values are empty, `missing` counts its "
        "runs without a record, and the command exits with status 1 unless --allow-partial "
        "is given.",
    )
    common(table)
    table.add_argument("--allow-partial", action="store_true",
                       help="exit with status 0 even when cells are incomplete")
    migrate = commands.add_parser("migrate", help="move records from per-study folders into "
                                  "the store keyed by spec hash (proves nothing is lost)")
    migrate.add_argument("--profile", default="paper", help="whose records (default paper)")
    migrate.add_argument("--dry-run", action="store_true", help="check and count only")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from ..profiles import validate
    from .store import ResultsStore, default_root

    if args.profile == AUTO:
        print(f"error: --profile {AUTO} is resolved by a chapter, not here; give one of "
              f"{', '.join(PROFILES)}.", file=sys.stderr)
        return 2
    try:
        validate(args.profile)
    except ValueError:
        print(f"error: unknown profile {args.profile!r}. Valid profiles: "
              f"{', '.join(PROFILES)}.", file=sys.stderr)
        return 2
    store = ResultsStore(default_root(args.profile))
    if args.command == "migrate":
        return _migrate(store, args.dry_run)
    datasets = DATASETS if args.dataset == "all" else (args.dataset,)
    if args.command == "run":
        try:
            return _run(store, args, datasets)
        except KeyboardInterrupt as interrupt:
            report = getattr(interrupt, "report", None)
            kept = len(report.written) if report is not None else getattr(interrupt, "kept", 0)
            after_bar = "" if args.quiet else "\n"  # below the progress bar
            print(f"{after_bar}interrupted: {kept} new record(s) kept under {store.root}; run the "
                  "same command again to resume.", file=sys.stderr)
            return INTERRUPTED
    if args.command == "list":
        return _list(store, args.profile, datasets)
    return _table1(store, args, datasets)


def _study_names(chosen: str) -> tuple[str, ...]:
    from .catalog import probe_names
    from .protocol.studies import STUDIES

    if chosen == "all":
        return STUDIES
    if chosen == "probes":
        return probe_names()
    return (chosen,)


class _CtrlC:
    """Notes whether Ctrl-C arrived while a sweep ran, then raises KeyboardInterrupt as usual.

    Inside a Ray call the KeyboardInterrupt can surface as one of Ray's errors; ``pressed``
    lets the caller still report an interruption. Where SIGINT is ignored (a job started in
    the background of a non-interactive shell) or handled by someone else, nothing changes.
    """

    def __init__(self) -> None:
        self.pressed = False
        self._previous = None

    def _handler(self, signum, frame) -> None:
        self.pressed = True
        signal.default_int_handler(signum, frame)

    def __enter__(self) -> _CtrlC:
        current = signal.getsignal(signal.SIGINT)
        if current is signal.default_int_handler and threading.current_thread() is \
                threading.main_thread():
            self._previous = current
            signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def _run(store, args: argparse.Namespace, datasets: Sequence[str]) -> int:
    from ..data import DataError
    from .catalog import build
    from .runner import run_specs
    from .store import StoreError

    executor, cluster_errors = None, ()
    if args.ray is not None:
        from .cluster import JOIN_TIMEOUT_S, ClusterError, RayExecutor, RayUnavailable, import_ray

        cluster_errors = (ClusterError,)  # each names the problem and the fix

        try:
            import_ray()
            executor = RayExecutor(
                address=None if args.ray == LOCAL_RAY else args.ray,
                cpus_per_task=args.cpus_per_task, gpus_per_task=args.gpus_per_task,
                join_timeout_s=JOIN_TIMEOUT_S if args.ray_timeout is None else args.ray_timeout,
            )
        except (RayUnavailable, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    elif (args.cpus_per_task, args.gpus_per_task) != (1.0, 0.0) or args.ray_timeout is not None:
        print("error: --cpus-per-task, --gpus-per-task and --ray-timeout need --ray",
              file=sys.stderr)
        return 2
    try:
        if args.repair:
            for path in store.repair():
                print(f"{'removed' if not path.exists() else 'moved aside'}: {path}",
                      file=sys.stderr)
        else:
            _report_strays(store)
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
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
    recorded_before = sum(store.has(spec) for spec in specs)
    try:
        with _CtrlC() as ctrl_c:
            report = run_specs(specs, store, not args.quiet, executor=executor, label=label)
    except (*cluster_errors, StoreError, DataError) as error:
        if ctrl_c.pressed:  # Ray may turn the KeyboardInterrupt into an error of its own
            interrupt = KeyboardInterrupt()
            interrupt.kept = sum(store.has(spec) for spec in specs) - recorded_before
            raise interrupt from error
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # the store failed after the check (full disk, unmounted, ...)
        print(f"error: could not write to the results store {store.root} ({error}); the "
              "records written so far are kept, run again once it is writable.",
              file=sys.stderr)
        return 1
    print(report.summary())
    return 1 if report.damaged else 0


def _report_strays(store) -> None:
    strays = store.strays()
    if strays:
        print(f"{len(strays)} stray temporary file(s) left by an interrupted write under "
              f"{store.root} (e.g. {strays[0]}); `run <study> --repair` removes them.",
              file=sys.stderr)


def _list(store, profile: str, datasets: Sequence[str]) -> int:
    from .catalog import build, names

    store.report_damaged = False  # listed below, each once
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
    strays = store.strays()
    if strays:
        print(f"{len(strays)} stray temporary file(s) left by an interrupted write "
              "(`run <study> --repair` removes them):")
        for path in strays:
            print(f"  {path}")
    return 0


def _table1(store, args: argparse.Namespace, datasets: Sequence[str]) -> int:
    import pandas as pd

    from ..analysis.summaries import expected_runs, runs_frame, table1_coverage
    from .protocol.studies import build_study
    from .runner import study_records

    profile, out, incomplete = args.profile, [], 0
    for dataset in datasets:
        studies = [build_study(name, dataset, profile) for name in TABLE1_STUDIES]
        records = [r for study in studies for r in study_records(study, store, True)]
        if not records:
            print(
                f"error: no {profile} records for {dataset} under {store.root}; run "
                f"`python -m spectral_nb.experiments run all --profile {profile} "
                f"--dataset {dataset}` first.",
                file=sys.stderr,
            )
            return 1
        table = table1_coverage(runs_frame(records), expected_runs(studies, store.has), dataset)
        cells = int((table["missing"] > 0).sum())
        if cells:
            incomplete += cells
            print(f"warning: {cells} of the {len(table)} {dataset} cells are incomplete "
                  f"({int(table['missing'].sum())} runs are not recorded yet): their values "
                  "are left empty; `missing` counts their runs without a record.",
                  file=sys.stderr)
        if args.dataset == "all":
            table.insert(0, "dataset", dataset)
        out.append(table)
    frame = pd.concat(out)
    columns = [c for c in frame.columns if c not in TABLE1_DETAILS] + TABLE1_DETAILS
    print(frame[columns].to_csv(index=False, float_format="%.2f"), end="")
    if incomplete and not args.allow_partial:
        print(f"error: Table 1 is incomplete ({incomplete} cell(s)); train the missing runs "
              f"(`python -m spectral_nb.experiments run all --profile {profile} --dataset "
              f"{args.dataset}`), or pass "
              "--allow-partial to accept a partial table.", file=sys.stderr)
        return 1
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


class StderrFilter:
    """Standard error at the file-descriptor level, less TensorFlow's start-up notes.

    File descriptor 2 is pointed at a pipe; a thread copies what arrives to the original
    standard error line by line, dropping the notes :data:`TF_NOISE` matches (a partial line,
    like a progress bar's, passes as soon as it ends in a carriage return or the pipe is idle).
    Every other line, TensorFlow's real errors included, passes unchanged. :meth:`close`
    restores descriptor 2 and flushes what is left.
    """

    def __init__(self) -> None:
        sys.stderr.flush()
        self._original = os.dup(2)
        read, write = os.pipe()
        os.dup2(write, 2)
        os.close(write)
        self._read = read
        self._thread = threading.Thread(target=self._copy, daemon=True,
                                        name="spectral_nb-stderr")
        self._thread.start()

    def _emit(self, text: bytes) -> None:
        line = text.decode("utf-8", "replace")
        noise = TF_NOISE.search(line)
        if noise:  # the whole line goes (with a Ray worker's prefix), but a progress bar stays
            before = line[: noise.start()]
            text = before.encode() if "\r" in before else b""
        if text:
            os.write(self._original, text)

    def _copy(self) -> None:
        import select

        pending = b""
        while True:
            ready, _, _ = select.select([self._read], [], [], 0.2)
            if not ready:  # idle: let a partial line (a prompt, a progress bar) through
                self._emit(pending)
                pending = b""
                continue
            chunk = os.read(self._read, 65536)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                self._emit(line + b"\n")
            if b"\r" in pending:
                head, _, pending = pending.rpartition(b"\r")
                self._emit(head + b"\r")
        self._emit(pending)

    def close(self) -> None:
        sys.stderr.flush()
        os.dup2(self._original, 2)  # the pipe's last writer closes: the thread ends
        self._thread.join(timeout=5)
        os.close(self._read)
        os.close(self._original)


def quiet_entry(argv: Sequence[str] | None = None) -> int:
    """:func:`main` with TensorFlow's start-up notes kept off standard error
    (:class:`StderrFilter`; ``TF_CPP_MIN_LOG_LEVEL`` defaults to errors only)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        quiet = StderrFilter()
    except OSError:  # no descriptor 2 to filter: run as is
        return main(argv)
    try:
        return main(argv)
    finally:
        quiet.close()


if __name__ == "__main__":
    raise SystemExit(quiet_entry())
