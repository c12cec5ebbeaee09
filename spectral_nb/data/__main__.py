"""Command line: ``python -m spectral_nb.data fetch [all|mnist|fashion_mnist ...]``."""

from __future__ import annotations

import argparse
import sys
import time

from . import DataError, available, default_cache_dir, fetch

INTERRUPTED = 130  # the shell's status for a process ended by Ctrl-C (128 + SIGINT)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return the process exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m spectral_nb.data", description="Fetch and verify the datasets."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_fetch = sub.add_parser("fetch", help="make sure verified caches exist")
    valid = ("all", *available())
    names_help = "'all' (the default) or any of: " + ", ".join(available())
    p_fetch.add_argument("names", nargs="*", metavar="NAME", help=names_help)
    p_fetch.add_argument(
        "--cache-dir",
        default=None,
        help="default: $SPECTRAL_NB_DATA, else <repo>/data, else ~/.cache/spectral_nb",
    )
    p_fetch.add_argument("--force", action="store_true", help="fetch even if the cache is valid")
    sub.add_parser("where", help="print the default cache directory")
    args = parser.parse_args(argv)

    if args.command == "where":
        print(default_cache_dir())
        return 0
    unknown = [name for name in args.names if name not in valid]
    if unknown:
        p_fetch.error(f"unknown dataset {unknown[0]!r}; valid names: {', '.join(valid)}")
    wanted = args.names or ["all"]
    names = available() if "all" in wanted else tuple(dict.fromkeys(wanted))
    status = 0
    for name in names:
        start = time.perf_counter()
        try:
            path = fetch(name, args.cache_dir, force=args.force)
        except DataError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
            continue
        except KeyboardInterrupt:
            print(f"\ninterrupted while fetching {name}; the verified caches are kept, run the "
                  "same command again to fetch the rest.", file=sys.stderr)
            return INTERRUPTED
        print(f"{name}: {path} verified ({time.perf_counter() - start:.2f} s)", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
