"""Command line for the ITSCM maturity core: validate, score, backup, and more.

Run `python cli.py --help` for the commands. Every failure is a one-line message and exit code 1,
never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from questionnaires.errors import QuestionnaireError
from questionnaires.loader import load_questionnaire


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate questionnaire files or folders; print every problem found."""
    failed = 0
    for path in args.files:
        try:
            questionnaire = load_questionnaire(path)
        except QuestionnaireError as exc:
            failed += 1
            print(f"{path}: {len(exc.problems)} problem(s)")
            for problem in exc.problems:
                print(f"  {problem}")
            continue
        print(f"{path}: ok ({questionnaire.id} {questionnaire.version}, {len(questionnaire.questions)} questions)")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with one sub-command per job."""
    parser = argparse.ArgumentParser(prog="python cli.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check questionnaire YAML files or folders")
    validate.add_argument("files", nargs="+", metavar="FILE", help="a questionnaire .yaml file or folder")
    validate.set_defaults(run=cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
