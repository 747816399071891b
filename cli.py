"""Command line for the ITSCM maturity core: validate, score, backup, and more.

Run `python cli.py --help` for the commands. Every failure is a one-line message and exit code 1,
never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from exports.answers_csv import AnswersCsvError, read_answers_csv
from questionnaires.catalog import available_questionnaires
from questionnaires.errors import QuestionnaireError
from questionnaires.loader import load_questionnaire
from questionnaires.model import Questionnaire
from scoring import AssessmentScore, ScoringError, score_assessment
from storage import backup_database, connect, database_path
from storage.demo import load_demo_data
from storage.errors import StorageError
from storage.restore import restore_database


class CliError(Exception):
    """A problem to report as a one-line message (exit code 1)."""


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


def _load(path: str) -> Questionnaire:
    try:
        return load_questionnaire(path)
    except QuestionnaireError as exc:
        raise CliError(f"{path}: not a valid questionnaire:\n" + "\n".join(f"  {p}" for p in exc.problems)) from None


def _parse_targets(pairs: Sequence[str], questionnaire: Questionnaire) -> dict[str, int]:
    targets: dict[str, int] = {}
    domains = [d.id for d in questionnaire.domains]
    for pair in pairs:
        domain, sep, level = pair.partition("=")
        if not sep or domain not in domains or not level.strip().isdigit():
            raise CliError(f"--targets {pair}: write DOMAIN=LEVEL with DOMAIN one of {', '.join(domains)}, e.g. BIA=4.")
        targets[domain] = int(level)
    return targets


def score_json(questionnaire: Questionnaire, result: AssessmentScore) -> dict[str, object]:
    """The JSON document `cli.py score` prints."""
    overall = result.overall
    return {
        "questionnaire": {"id": questionnaire.id, "version": questionnaire.version},
        "overall": {
            "score": None if overall.score is None else round(overall.score, 4),
            "stage": overall.stage,
            "completeness": round(overall.completeness, 4),
            "provisional": overall.provisional,
        },
        "domains": [
            {
                "id": d.domain_id,
                "name": d.name,
                "score": None if d.score is None else round(d.score, 4),
                "stage": d.stage,
                "completeness": round(d.completeness, 4),
                "target": d.target,
                "gap": d.gap,
            }
            for d in result.domains
        ],
    }


def score_table(document: dict[str, object]) -> str:
    """Render the score document as a plain-text table."""

    def cell(value: object, percent: bool = False) -> str:
        if value is None:
            return "-"
        if percent:
            return f"{float(value):.0%}"  # type: ignore[arg-type]
        return f"{value:.2f}" if isinstance(value, float) else str(value)

    rows = [("Domain", "Score", "Stage", "Complete", "Target", "Gap")]
    for d in document["domains"]:  # type: ignore[attr-defined]
        rows.append(
            (
                d["name"],
                cell(d["score"]),
                cell(d["stage"]),
                cell(d["completeness"], True),
                cell(d["target"]),
                cell(d["gap"]),
            )
        )
    overall = document["overall"]
    rows.append(
        ("Overall", cell(overall["score"]), cell(overall["stage"]), cell(overall["completeness"], True), "", "")
    )  # type: ignore[index]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(value.ljust(widths[i]) for i, value in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if overall["provisional"]:  # type: ignore[index]
        lines.append("Provisional: not every question is answered yet.")
    return "\n".join(lines)


def cmd_score(args: argparse.Namespace) -> int:
    """Score an answers CSV against a questionnaire."""
    questionnaire = _load(args.questionnaire)
    targets = _parse_targets(args.targets or [], questionnaire)
    try:
        raw = Path(args.answers).read_bytes()
    except OSError as exc:
        raise CliError(f"{args.answers}: cannot read the file ({exc.strerror}).") from None
    try:
        answers = read_answers_csv(raw, questionnaire, args.answers)
        result = score_assessment(questionnaire, [a.response for a in answers], targets=targets)
    except (AnswersCsvError, ScoringError) as exc:
        raise CliError(str(exc)) from None
    document = score_json(questionnaire, result)
    print(json.dumps(document, indent=2, ensure_ascii=False) if args.format == "json" else score_table(document))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the database to PATH through SQLite's backup API."""
    try:
        written = backup_database(database_path(), args.path, overwrite=args.overwrite)
    except StorageError as exc:
        raise CliError(str(exc)) from None
    print(f"Backed up {database_path()} to {written}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the database with a checked backup, keeping the previous one."""
    try:
        result = restore_database(args.path)
    except StorageError as exc:
        raise CliError(str(exc)) from None
    restored = result.restored
    print(
        f"Restored {restored.path} into {database_path()}: {restored.organisations} organisations, "
        f"{restored.assessments} assessments, {restored.answers} answers."
    )
    if result.previous_copy is not None:
        print(f"The previous database is kept at {result.previous_copy}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Load illustrative demo organisations and assessments into the database."""
    del args
    questionnaire = available_questionnaires()[0]
    try:
        summary = load_demo_data(connect(), questionnaire)
    except StorageError as exc:
        raise CliError(str(exc)) from None
    print(summary.describe())
    print(f"Database: {database_path()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with one sub-command per job."""
    parser = argparse.ArgumentParser(prog="python cli.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check questionnaire YAML files or folders")
    validate.add_argument("files", nargs="+", metavar="FILE", help="a questionnaire .yaml file or folder")
    validate.set_defaults(run=cmd_validate)

    score = commands.add_parser("score", help="score an answers CSV against a questionnaire")
    score.add_argument("questionnaire", metavar="QUESTIONNAIRE", help="questionnaire .yaml file or folder")
    score.add_argument("answers", metavar="ANSWERS.csv", help="CSV with question_id, level [, respondent, comment]")
    score.add_argument("--targets", nargs="*", metavar="DOMAIN=LEVEL", help="target level per domain (default 3)")
    score.add_argument("--format", choices=("json", "table"), default="json", help="output format (default json)")
    score.set_defaults(run=cmd_score)

    backup = commands.add_parser("backup", help="copy the database to PATH (safe while the app runs)")
    backup.add_argument("path", metavar="PATH", help="the backup file to write")
    backup.add_argument("--overwrite", action="store_true", help="replace PATH if it exists")
    backup.set_defaults(run=cmd_backup)

    restore = commands.add_parser("restore", help="replace the database with a backup (the old one is kept)")
    restore.add_argument("path", metavar="PATH", help="a backup file made by `backup`")
    restore.set_defaults(run=cmd_restore)

    demo = commands.add_parser("demo", help="load illustrative demo data (fictional organisations)")
    demo.set_defaults(run=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
