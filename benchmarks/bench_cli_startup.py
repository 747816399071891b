"""Command-line start-up: wall time of `cli.py validate` and `cli.py --help` against a bare interpreter.

Run from the repository root:  .venv/bin/python benchmarks/bench_cli_startup.py [--runs N]
Prints the median (and fastest and slowest) wall time over N runs of each command, each in a new
process as a user would start it, next to the floor of `python -c pass`. Target: `validate` of the
shipped questionnaire well under half a second.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED = "questionnaires/itscm-2026.2"

COMMANDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("python -c pass (floor)", ("-c", "pass")),
    ("python cli.py --help", ("cli.py", "--help")),
    (f"python cli.py validate {SHIPPED}", ("cli.py", "validate", SHIPPED)),
)


def wall_times(argv: tuple[str, ...], runs: int) -> list[float]:
    """Run `python *argv` `runs` times from the repository root; return each run's wall time in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, *argv], cwd=REPO_ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    """Time each command and print one line per command."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="runs per command (default 9)")
    runs = parser.parse_args().runs
    # One untimed run each, so the timed runs find the bytecode cache written.
    for _, argv in COMMANDS:
        wall_times(argv, 1)
    print(f"Command-line start-up, median wall time of {runs} runs (fastest - slowest):")
    for label, argv in COMMANDS:
        times = wall_times(argv, runs)
        print(f"  {label:<52} {statistics.median(times):.3f} s  ({min(times):.3f} - {max(times):.3f})")


if __name__ == "__main__":
    main()
