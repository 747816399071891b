"""Command line for the maturity assessment core: validate, score, backup, and more.

Run `python cli.py --help` for the commands. Every failure is a one-line message and exit code 1,
never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storage.choices import INDUSTRIES, REGIONS, SIZE_BANDS
from storage.errors import StorageError
from storage.paths import MEMORY, database_path

# Each command imports what it needs when it runs, so `validate` or `--help` never load pandas,
# openpyxl, plotly, sqlite-utils or the storage modules (see benchmarks/bench_cli_startup.py).
if TYPE_CHECKING:
    from sqlite_utils import Database

    from evidence.files import EvidenceFileError
    from evidence.model import Evidence
    from exports.report import AssessmentReport, OrganisationHistory
    from questionnaires.model import Questionnaire
    from scoring import AssessmentScore, BenchmarkResult, PeerFigure
    from scoring.comparison import Comparison, DomainChange
    from scoring.evidenced import EvidencedScore
    from scoring.workshop import Distribution
    from storage.records import AnsweredCount, Assessment, Organisation, RespondentProgress, User, Workshop


class CliError(Exception):
    """A problem to report as a one-line message (exit code 1)."""


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate questionnaire files or folders; print every problem found."""
    from questionnaires.errors import QuestionnaireError
    from questionnaires.loader import load_questionnaire

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
    from questionnaires.errors import QuestionnaireError
    from questionnaires.loader import load_questionnaire

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


def _score_and_stage(score: float | None, stage: int | None) -> dict[str, float | int | None]:
    return {"score": None if score is None else round(score, 4), "stage": stage}


def score_json(
    questionnaire: Questionnaire, result: AssessmentScore, evidenced: EvidencedScore | None = None
) -> dict[str, object]:
    """The JSON document `cli.py score` prints; with evidence, also as answered and as evidenced and the claims."""
    overall = result.overall
    document: dict[str, Any] = {
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
    if evidenced is None:
        return document
    checked = {d.domain_id: d for d in evidenced.evidenced.domains}
    document["overall"]["as_answered"] = _score_and_stage(overall.score, overall.stage)
    document["overall"]["as_evidenced"] = _score_and_stage(
        evidenced.evidenced.overall.score, evidenced.evidenced.overall.stage
    )
    for domain, d in zip(document["domains"], result.domains, strict=True):
        domain["as_answered"] = _score_and_stage(d.score, d.stage)
        domain["as_evidenced"] = _score_and_stage(checked[d.domain_id].score, checked[d.domain_id].stage)
    document["unsupported_claims"] = [
        {
            "question": claim.question_id,
            "domain": evidenced.questions[claim.question_id].domain_id,
            "check": claim.check,
            "answered": claim.answered,
            "supported": claim.supported,
            "sentence": claim.sentence,
        }
        for claim in evidenced.claims
    ]
    return document


def score_table(document: dict[str, object]) -> str:
    """Render the score document as a plain-text table."""

    def cell(value: object, percent: bool = False) -> str:
        if value is None:
            return "-"
        if percent:
            return f"{float(value):.0%}"  # type: ignore[arg-type]
        return f"{value:.2f}" if isinstance(value, float) else str(value)

    claims: list[dict[str, Any]] | None = document.get("unsupported_claims")  # type: ignore[assignment]

    def evidenced(part: dict[str, Any]) -> tuple[str, ...]:
        if claims is None:
            return ()
        return (cell(part["as_evidenced"]["score"]), cell(part["as_evidenced"]["stage"]))

    rows = [
        (
            "Domain",
            "Score",
            "Stage",
            *(("Evidenced score", "Evidenced stage") if claims is not None else ()),
            "Complete",
            "Target",
            "Gap",
        )
    ]
    for d in document["domains"]:  # type: ignore[attr-defined]
        rows.append(
            (
                d["name"],
                cell(d["score"]),
                cell(d["stage"]),
                *evidenced(d),
                cell(d["completeness"], True),
                cell(d["target"]),
                cell(d["gap"]),
            )
        )
    overall: dict[str, Any] = document["overall"]  # type: ignore[assignment]
    rows.append(
        (
            "Overall",
            cell(overall["score"]),
            cell(overall["stage"]),
            *evidenced(overall),
            cell(overall["completeness"], True),
            "",
            "",
        )
    )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(value.ljust(widths[i]) for i, value in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if overall["provisional"]:
        lines.append("Provisional: not every question is answered yet.")
    if claims is not None:
        lines.append("")
        if claims:
            lines.append("Claims the facts don't support:")
            lines.extend(f"  {claim['sentence']}" for claim in claims)
        else:
            lines.append("The register and the log support every claim they can test.")
    return "\n".join(lines)


def _evidence_files(services: str | None, exercises: str | None) -> Evidence | None:
    """Read the register and log given to `score`, or None without them; a bad file lists its problems."""
    from evidence.files import EvidenceFileError, read_log, read_register
    from evidence.model import Evidence

    if services is None:
        if exercises is not None:
            raise CliError("--exercises needs --services FILE too: the log's results name services of the register.")
        return None
    try:
        register = read_register(_read_evidence_file(services), Path(services).name)
    except EvidenceFileError as exc:
        raise CliError(
            "\n".join([f"{services}: not a valid service register; fix these rows:", *exc.problems])
        ) from None
    log: tuple[Any, ...] = ()
    if exercises is not None:
        try:
            log = read_log(_read_evidence_file(exercises), Path(exercises).name, [s.name for s in register])
        except EvidenceFileError as exc:
            raise CliError(
                "\n".join([f"{exercises}: not a valid exercise and incident log; fix these rows:", *exc.problems])
            ) from None
    return Evidence(services=register, exercises=log)


def cmd_score(args: argparse.Namespace) -> int:
    """Score an answers CSV against a questionnaire."""
    from exports.answers_csv import AnswersCsvError, read_answers_csv
    from scoring import ScoringError, score_assessment
    from scoring.evidenced import score_evidenced

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
    evidence = _evidence_files(args.services, args.exercises)
    evidenced = None if evidence is None else score_evidenced(questionnaire, result, evidence, date.today())
    document = score_json(questionnaire, result, evidenced)
    print(json.dumps(document, indent=2, ensure_ascii=False) if args.format == "json" else score_table(document))
    return 0


def output_file(name: str, *, overwrite: bool) -> Path:
    """Return the file a command may write, refusing the database itself and, without --overwrite, any existing file.

    Every command that writes a file asks here first: the database and its -wal, -shm and -journal
    files are never a destination (compared as resolved paths, and as the same file on disk).
    """
    target = Path(name).expanduser().resolve()
    live = database_path()
    if live != MEMORY:
        protected = {"the database": Path(live)} | {
            f"the database's {suffix} file": Path(f"{live}{suffix}") for suffix in ("-wal", "-shm", "-journal")
        }
        for what, path in protected.items():
            if target == path.resolve() or (target.exists() and path.exists() and target.samefile(path)):
                raise CliError(
                    f"{name} is {what} ({path}); writing there would destroy the data. Give another file name, "
                    "e.g. in an exports/ folder."
                )
    if target.is_dir():
        raise CliError(f"{name} is a folder; give a file name inside it.")
    if target.exists() and not overwrite:
        raise CliError(f"{name} already exists; give another file name, or add --overwrite to replace it.")
    folder = next(p for p in target.parents if p.exists())
    if not folder.is_dir():
        raise CliError(f"{name}: {folder} is a file, so no folder can be made inside it; give another path.")
    return target


def _database() -> Database:
    from storage import connect

    try:
        return connect()
    except StorageError as exc:
        raise CliError(str(exc)) from None


def _refuse_on_postgres(command: str) -> None:
    """Refuse a command made for the SQLite file while the app keeps its data on PostgreSQL."""
    import os

    from storage.engines import shown_url
    from storage.paths import URL_ENV_VAR

    url = os.environ.get(URL_ENV_VAR, "").strip()
    if url:
        raise CliError(
            f"`{command}` works on the SQLite file, but {URL_ENV_VAR} is set, so the data is on PostgreSQL "
            f"({shown_url(url)}): back it up with `pg_dump -Fc -f itscm.dump URL` and restore it with "
            "`pg_restore --clean --if-exists -d URL itscm.dump` (README, Data)."
        )


def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the database to PATH through SQLite's backup API."""
    import sqlite3

    from storage import backup_database
    from storage.paths import check_database_path

    _refuse_on_postgres("backup")
    dest = output_file(args.path, overwrite=args.overwrite)
    live = database_path()
    try:
        check_database_path()
        written = backup_database(live, dest, overwrite=args.overwrite)
    except StorageError as exc:
        raise CliError(str(exc)) from None
    except (sqlite3.Error, OSError) as exc:
        raise CliError(
            f"The backup of {live} to {dest} failed ({exc}); check that ITSCM_DB names this app's database "
            f"and that {dest.parent} is writable."
        ) from None
    print(f"Backed up {live} to {written}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the database with a checked backup, keeping the previous one."""
    import sqlite3

    from storage.paths import check_database_path
    from storage.restore import restore_database

    _refuse_on_postgres("restore")
    try:
        check_database_path()
        result = restore_database(args.path)
    except StorageError as exc:
        raise CliError(str(exc)) from None
    except (sqlite3.Error, OSError) as exc:
        raise CliError(
            f"The restore into {database_path()} failed ({exc}); set ITSCM_DB to a file path such as data/itscm.db."
        ) from None
    restored = result.restored
    print(
        f"Restored {restored.path} into {database_path()}: {restored.organisations} organisations, "
        f"{restored.assessments} assessments, {restored.answers} answers."
    )
    if result.previous_copy is not None:
        print(f"The previous database is kept at {result.previous_copy}")
    return 0


def _migration_source(given: str | None) -> Path:
    """The SQLite file `migrate-to` copies: --from, else ITSCM_DB, else data/itscm.db (never ITSCM_DATABASE_URL)."""
    import os

    from storage.engines import is_postgres_url
    from storage.paths import DEFAULT_PATH, ENV_VAR

    chosen = given if given is not None else os.environ.get(ENV_VAR, "") or str(DEFAULT_PATH)
    if is_postgres_url(chosen):
        raise CliError(
            "the source is a PostgreSQL database; migrate-to copies a SQLite file (--from PATH, default ITSCM_DB) "
            "into PostgreSQL. To copy between PostgreSQL databases use pg_dump and pg_restore."
        )
    source = database_path(chosen)
    if source == MEMORY or not Path(source).is_file():
        origin = "--from" if given is not None else f"{ENV_VAR}" if os.environ.get(ENV_VAR) else "the default"
        raise CliError(f"no SQLite database at {source} ({origin}); give the app's database file with --from PATH.")
    return Path(source)


def cmd_migrate_to(args: argparse.Namespace) -> int:
    """Copy the SQLite database into an empty PostgreSQL database and check every assessment scores the same."""
    import sqlite3

    from storage import open_database
    from storage.copy import CopiedTable
    from storage.engines import is_postgres_url, shown_url
    from transfer.checked_copy import copy_and_check

    if not is_postgres_url(args.url):
        raise CliError(
            f"{shown_url(args.url)[:80]!r} is not a PostgreSQL URL; give an empty database's URL such as "
            "postgresql://user:password@host:5432/itscm."
        )
    shown = shown_url(args.url)
    path = _migration_source(args.source)

    def progress(table: CopiedTable) -> None:
        print(f"  {table.name}: {table.rows:,} rows", flush=True)

    source = target = None
    try:
        source = open_database(path)
        target = open_database(args.url)
        print(f"Copying {path} into {shown}:", flush=True)
        done = copy_and_check(source, target, progress=progress)
    except StorageError as exc:
        raise CliError(str(exc)) from None
    except sqlite3.Error as exc:
        raise CliError(f"the copy into {shown} failed ({exc}); no row was copied (the copy was rolled back).") from None
    finally:
        for db in (source, target):
            if db is not None:
                db.close()
    others = sum(t.rows for t in done.tables) - sum(
        done.rows(name) for name in ("organisations", "assessments", "answers", "answer_history")
    )
    unscored = (
        f"; {len(done.scores.unscored)} not scored on either, their questionnaire not installed: "
        + "; ".join(done.scores.unscored)
        if done.scores.unscored
        else ""
    )
    print(
        f"Copied {done.rows('organisations'):,} organisations, {done.rows('assessments'):,} assessments, "
        f"{done.rows('answers'):,} answers, {done.rows('answer_history'):,} answer history rows and {others:,} "
        f"other rows ({len(done.tables)} tables) into {shown}; every assessment scores the same on both "
        f"({done.scores.checked} checked{unscored}). Set ITSCM_DATABASE_URL={shown} to use it"
        f"{' (with its password)' if shown != args.url else ''}."
    )
    return 0


EXPORT_FORMATS = {".xlsx": "workbook", ".json": "json", ".csv": "answers-csv"}


def cmd_list(args: argparse.Namespace) -> int:
    """List organisations and their assessments with ids, for `export`, `trend`, `users --org` and the rest."""
    from storage import list_assessments, list_organisations

    del args
    db = _database()
    organisations = list_organisations(db)
    if not organisations:
        print("No organisations yet. Start the app (make run) or load demo data (python cli.py demo).")
        return 0
    for organisation in organisations:
        mark = " (illustrative)" if organisation.illustrative else ""
        print(f"organisation {organisation.id}: {organisation.name}{mark}")
        for assessment in list_assessments(db, organisation.id):
            print(
                f"  {assessment.id:>5}  {assessment.label:<12} {assessment.assessment_date}  "
                f"{assessment.questionnaire_id} {assessment.questionnaire_version}  {assessment.status}"
            )
    return 0


def _write_export(path: Path, data: bytes) -> None:
    """Write `data` to a path `output_file` has checked."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise CliError(f"{path}: cannot write the file ({exc.strerror}).") from None


def cmd_export(args: argparse.Namespace) -> int:
    """Export one assessment (workbook, CSV or JSON) or every assessment's results (portfolio)."""
    import io

    from exports.csv_export import answers_csv_bytes, results_csv_bytes
    from exports.json_io import assessment_json
    from exports.portfolio import portfolio_rows, portfolio_workbook
    from exports.report import load_report
    from exports.workbook import workbook_for_assessment
    from questionnaires.catalog import UnknownQuestionnaire
    from storage import list_roadmap_items
    from storage.finding_items import list_finding_items

    path = output_file(args.output, overwrite=args.overwrite)
    if args.portfolio:
        if path.suffix != ".xlsx":
            raise CliError(f"{args.output}: the portfolio is a workbook; give a file name ending in .xlsx.")
        rows = list(portfolio_rows(_database()))
        buffer = io.BytesIO()
        portfolio_workbook(rows, buffer)
        _write_export(path, buffer.getvalue())
        print(f"Wrote {len(rows)} assessments' results to {path}")
        return 0
    if args.assessment is None:
        raise CliError("give an assessment id (see `python cli.py list`) or --portfolio.")
    kind = args.format or EXPORT_FORMATS.get(path.suffix)
    if kind is None:
        raise CliError(f"{args.output}: cannot tell the format from the name; use .xlsx, .json or .csv, or --format.")
    db = _database()
    try:
        # A JSON export is a complete copy of the data, votes still hidden in a workshop included.
        report = load_report(db, args.assessment, with_hidden_votes=kind == "json")
    except (StorageError, UnknownQuestionnaire) as exc:
        raise CliError(str(exc)) from None
    if kind == "workbook":
        data = workbook_for_assessment(db, report.assessment.id)
    elif kind == "json":
        assessment_id = report.assessment.id
        data = assessment_json(
            report, list_roadmap_items(db, assessment_id), list_finding_items(db, assessment_id)
        ).encode("utf-8")
    elif kind == "answers-csv":
        data = answers_csv_bytes(report)
    else:
        data = results_csv_bytes(report)
    _write_export(path, data)
    print(f"Wrote {kind} of {report.organisation.name} {report.assessment.label} to {path}")
    return 0


REPORT_FORMATS = (".docx", ".pdf")


def cmd_report(args: argparse.Namespace) -> int:
    """Write the executive report of one assessment as Word (.docx) or PDF (.pdf)."""
    from exports.executive_report import executive_report_docx, executive_report_pdf
    from exports.report import load_report
    from questionnaires.catalog import UnknownQuestionnaire

    path = output_file(args.output, overwrite=args.overwrite)
    suffix = path.suffix.lower()
    if suffix not in REPORT_FORMATS:
        raise CliError(f"{args.output}: the executive report is Word or PDF; give a file name ending in .docx or .pdf.")
    db = _database()
    try:
        report = load_report(db, args.assessment)
        write = executive_report_docx if suffix == ".docx" else executive_report_pdf
        data = write(db, report.assessment.id)
    except (StorageError, UnknownQuestionnaire) as exc:
        raise CliError(str(exc)) from None
    _write_export(path, data)
    print(f"Wrote the executive report of {report.organisation.name} {report.assessment.label} to {path}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import an assessment exported as JSON (by `export` or the Data page)."""
    from exports.json_io import (
        AssessmentImportError,
        AssessmentLabelExistsError,
        OrganisationExistsError,
        import_assessment,
    )
    from storage import connect

    try:
        raw = Path(args.file).read_bytes()
    except OSError as exc:
        raise CliError(f"{args.file}: cannot read the file ({exc.strerror}).") from None
    try:
        outcome = import_assessment(
            connect(), raw, into_existing=args.into_existing, new_name=args.as_new, by=cli_actor()
        )
    except OrganisationExistsError as exc:
        if args.as_new is None:
            choice = f"--into-existing to add it to '{exc.existing.name}', or --as-new NAME for a new organisation"
        else:
            choice = f"--as-new with another NAME, or --into-existing to add it to '{exc.existing.name}'"
        raise CliError(f"{exc} Use {choice}.") from None
    except AssessmentLabelExistsError as exc:
        raise CliError(f"{exc} To import it as a new organisation, use --as-new NAME.") from None
    except (AssessmentImportError, StorageError) as exc:
        raise CliError(str(exc)) from None
    assessment = outcome.assessment
    print(f"Imported assessment {assessment.label} as id {assessment.id}")
    note = outcome.finding_steps_note()
    if note:
        print(note)
    for step in outcome.finding_steps.not_linked:
        print(f"  not carried: {step.content.step} (finding {step.content.finding_key}): {step.reason}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Load illustrative demo organisations and assessments into the database, or remove them all."""
    from demo.data import load_demo_data, remove_demo_data
    from questionnaires.catalog import available_questionnaires, successor

    db = _database()
    try:
        if args.remove:
            print(remove_demo_data(db).describe())
        else:
            questionnaires = available_questionnaires()
            if not questionnaires:
                raise CliError("no questionnaire is installed to load demo data against; see the warnings above.")
            print(load_demo_data(db, questionnaires[0], later=successor(questionnaires[0])).describe())
    except StorageError as exc:
        raise CliError(str(exc)) from None
    print(f"Database: {database_path()}")
    return 0


# --- Users and participant links (shared mode): every change is recorded in the audit log ---

DEFAULT_BASE_URL = "http://localhost:8501"


def cli_actor() -> str:
    """How the audit log names whoever runs the command line: 'command line (<login name>)'."""
    try:
        login = getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment and none in the password database
        login = "unknown login"
    return f"command line ({login})"


def _user(db: Database, email: str) -> User:
    from storage import get_user_by_email

    user = get_user_by_email(db, email)
    if user is None:
        raise CliError(
            f"No user with e-mail address {email.strip()!r}; `python cli.py users list` shows them, "
            "`python cli.py users add EMAIL --role ROLE` adds one."
        )
    return user


def _organisations_of(db: Database, user: User) -> str:
    from storage import list_organisations

    if user.role == "administrator":
        return "every organisation"
    if not user.organisations:
        return "no organisation yet"
    names = {organisation.id: organisation.name for organisation in list_organisations(db)}
    return ", ".join(f"{names.get(i, 'deleted organisation')} ({i})" for i in sorted(user.organisations))


def cmd_users_add(args: argparse.Namespace) -> int:
    """Add a user with a role and, for consultants and viewers, the organisations they work on."""
    from access.identity import add_member

    db = _database()
    user = add_member(db, args.email, args.role, args.org or [], by=cli_actor())
    print(f"Added {user.email} as {user.role}: {_organisations_of(db, user)}.")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    """List every user with role, whether they may sign in, and their organisations."""
    from storage import list_users

    del args
    db = _database()
    users = list_users(db)
    if not users:
        print(
            "No users yet. Add one with `python cli.py users add EMAIL --role administrator`, or list the first "
            "administrators in the sign-in configuration."
        )
        return 0
    width = max(len(user.email) for user in users)
    for user in users:
        state = "active" if user.active else "inactive"
        print(f"{user.email:<{width}}  {user.role:<13}  {state:<8}  {_organisations_of(db, user)}")
    return 0


def cmd_users_role(args: argparse.Namespace) -> int:
    """Change a user's role."""
    from access.identity import change_role

    db = _database()
    before = _user(db, args.email)
    after = change_role(db, before.id, args.role, by=cli_actor())
    if after.role == before.role:
        print(f"{after.email} is already {after.role}; nothing changed.")
    else:
        print(f"{after.email}: {before.role} -> {after.role}.")
    return 0


def cmd_users_assign(args: argparse.Namespace) -> int:
    """Replace the organisations a user works on."""
    from access.identity import change_organisations

    db = _database()
    user = change_organisations(db, _user(db, args.email).id, args.org, by=cli_actor())
    print(f"{user.email} ({user.role}) now works on: {_organisations_of(db, user)}.")
    return 0


def cmd_users_active(args: argparse.Namespace) -> int:
    """Stop a user signing in (deactivate) or let them in again (activate)."""
    from access.identity import change_active

    db = _database()
    active = args.users_command == "activate"
    before = _user(db, args.email)
    after = change_active(db, before.id, active, by=cli_actor())
    if after.active == before.active:
        print(f"{after.email} is already {'active' if active else 'inactive'}; nothing changed.")
    elif active:
        print(f"{after.email} may sign in again as {after.role}.")
    else:
        print(f"{after.email} can no longer sign in; `python cli.py users activate {after.email}` undoes it.")
    return 0


def _check_base_url(base_url: str) -> str:
    if not base_url.startswith(("http://", "https://")) or any(char.isspace() for char in base_url):
        raise CliError(
            f"--base-url {base_url!r}: give the address people open the app at, starting with http:// or "
            "https://, such as https://assessment.example.org."
        )
    return base_url


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


def cmd_links_create(args: argparse.Namespace) -> int:
    """Make a participant link for a respondent of an assessment and print its address (shown only now)."""
    from access.links import create_participant_link, join_url
    from storage import get_assessment, get_organisation, get_respondent

    base_url = _check_base_url(args.base_url)
    db = _database()
    token, link = create_participant_link(
        db, args.assessment, args.respondent, days=args.days, domains=args.domains or (), created_by=cli_actor()
    )
    assessment = get_assessment(db, link.assessment_id)
    organisation = get_organisation(db, assessment.organisation_id)
    respondent = get_respondent(db, link.respondent_id)
    print(
        f"Link {link.id} for {respondent.name} on {organisation.name} {assessment.label} "
        f"({', '.join(link.domains) or 'every domain'}), open until {_when(link.expires_at)}. "
        "Copy it now: only its hash is stored, so it cannot be shown again."
    )
    print(join_url(base_url, token))
    return 0


def cmd_links_list(args: argparse.Namespace) -> int:
    """List an assessment's participant links (never their tokens, which are not stored)."""
    from storage import list_links, list_respondents

    db = _database()
    links = list_links(db, args.assessment)
    if not links:
        print(
            f"No participant links for assessment {args.assessment} yet; make one with "
            f"`python cli.py links create {args.assessment} --respondent NAME`."
        )
        return 0
    names = {respondent.id: respondent.name for respondent in list_respondents(db, args.assessment)}
    rows = [("Link", "Respondent", "Domains", "Expires", "Revoked")]
    rows += [
        (
            str(link.id),
            names.get(link.respondent_id, str(link.respondent_id)),
            ",".join(link.domains) or "all",
            _when(link.expires_at),
            _when(link.revoked_at),
        )
        for link in links
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(value.ljust(widths[i]) for i, value in enumerate(row)).rstrip())
    return 0


def cmd_links_revoke(args: argparse.Namespace) -> int:
    """Withdraw a participant link: it stops opening at once."""
    from access.links import revoke_participant_link
    from storage import get_link, get_respondent

    db = _database()
    before = get_link(db, args.link)
    link = revoke_participant_link(db, before.id, by=cli_actor())
    respondent = get_respondent(db, link.respondent_id)
    if before.revoked_at is not None:
        print(f"Link {link.id} ({respondent.name}) was already withdrawn on {_when(link.revoked_at)}; nothing changed.")
    else:
        print(f"Withdrew link {link.id} ({respondent.name}); it no longer opens.")
    return 0


# --- Workshops: where the room stands ---


@dataclass(frozen=True)
class WorkshopStatus:
    """Where a workshop stands: its mode and open question, each participant's progress, the open disagreements.

    The votes on the questions the room is voting on now (the open question, or those of the open domain) stay
    hidden here too, until the facilitator reveals them: they are named in `hidden` and never among the
    disagreements.
    """

    assessment: Assessment
    organisation: str
    workshop: Workshop
    open_count: AnsweredCount | None
    participants: tuple[RespondentProgress, ...]
    disagreement_spread: int
    disagreements: tuple[Distribution, ...]
    hidden: tuple[str, ...]


def workshop_status(db: Database, assessment_id: int) -> WorkshopStatus:
    """Gather what `workshop status` prints for one assessment."""
    from exports.report import responses_of
    from questionnaires.catalog import UnknownQuestionnaire, get_questionnaire
    from scoring.workshop import distributions, open_disagreements
    from storage import get_assessment, get_organisation, list_answers, list_consensus
    from storage.workshop import answered_count, get_workshop, progress

    assessment = get_assessment(db, assessment_id)
    try:
        questionnaire = get_questionnaire(assessment.questionnaire_id, assessment.questionnaire_version)
    except UnknownQuestionnaire as exc:
        raise CliError(str(exc)) from None
    workshop = get_workshop(db, assessment.id)
    item = workshop.open_item
    responses = responses_of(list_answers(db, assessment.id))
    found = open_disagreements(distributions(questionnaire, responses, list_consensus(db, assessment.id)))
    hidden = workshop.hidden_votes(questionnaire.questions)
    return WorkshopStatus(
        assessment=assessment,
        organisation=get_organisation(db, assessment.organisation_id).name,
        workshop=workshop,
        open_count=None if item is None else answered_count(db, assessment.id, item.question_id),
        participants=progress(db, questionnaire, assessment.id),
        disagreement_spread=questionnaire.scoring.disagreement_spread,
        disagreements=tuple(d for d in found if d.question_id not in hidden),
        # Named whether or not their votes disagree: listing them only when they did would give them away.
        hidden=hidden,
    )


def workshop_status_json(status: WorkshopStatus) -> dict[str, object]:
    """The JSON document `workshop status --format json` prints."""
    item, count = status.workshop.open_item, status.open_count
    return {
        "assessment": {
            "id": status.assessment.id,
            "organisation": status.organisation,
            "label": status.assessment.label,
        },
        "mode": status.workshop.mode,
        "open_question": None
        if item is None or count is None
        else {
            "id": item.question_id,
            "round": item.round,
            "revealed": item.revealed,
            "answered": count.answered,
            "respondents": count.respondents,
            "waiting": list(count.waiting),
        },
        "participants": [
            {
                "name": person.name,
                "answered": person.answered,
                "total": person.total,
                "last_answered_at": None if person.last_answered_at is None else person.last_answered_at.isoformat(),
                "domains": [{"id": d.domain_id, "answered": d.answered, "total": d.total} for d in person.domains],
            }
            for person in status.participants
        ],
        "disagreement_spread": status.disagreement_spread,
        "open_disagreements": [
            {
                "question_id": d.question_id,
                "domain": d.domain_id,
                "spread": d.spread,
                "median": d.median,
                "votes": {str(level): count for level, count in d.counts},
                "na_votes": d.na_votes,
            }
            for d in status.disagreements
        ],
        "hidden_votes": list(status.hidden),
    }


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(value.ljust(widths[i]) for i, value in enumerate(row)).rstrip() for row in rows]


def workshop_status_table(status: WorkshopStatus) -> str:
    """Render where a workshop stands as plain text: a line on the room, a progress table, the open disagreements."""
    from exports.workbook import votes_text
    from storage.workshop import MODE_NAMES

    assessment = status.assessment
    lines = [
        f"{status.organisation} {assessment.label} (assessment {assessment.id}): {MODE_NAMES[status.workshop.mode]}."
    ]
    item, count = status.workshop.open_item, status.open_count
    if item is not None and count is not None:
        shown = "votes revealed" if item.revealed else "votes hidden"
        waiting = f"; waiting for {', '.join(count.waiting)}" if count.waiting else ""
        lines.append(
            f"Open: {item.question_id} (round {item.round}, {shown}): {count.answered} of {count.respondents} "
            f"answered{waiting}."
        )
    lines.append("")
    if not status.participants:
        lines.append(
            f"No participants yet; make a link for each with `python cli.py links create {assessment.id} "
            "--respondent NAME`."
        )
    else:
        rows = [["Participant", *(d.domain_id for d in status.participants[0].domains), "All", "Last answer"]]
        rows += [
            [
                person.name,
                *(f"{d.answered}/{d.total}" for d in person.domains),
                f"{person.answered}/{person.total}",
                _when(person.last_answered_at),
            ]
            for person in status.participants
        ]
        lines += _columns(rows)
    lines.append("")
    rule = f"a spread of {status.disagreement_spread} levels or more with nothing agreed"
    if not status.disagreements:
        lines.append(f"No open disagreements ({rule}).")
    else:
        lines.append(f"Open disagreements ({rule}), widest first:")
        rows = [["Question", "Domain", "Spread", "Median", "Votes"]]
        rows += [
            [d.question_id, d.domain_id, str(d.spread), str(d.median), votes_text(d)] for d in status.disagreements
        ]
        lines += _columns(rows)
    if status.hidden:
        lines.append(f"Votes on {', '.join(status.hidden)} stay hidden until the facilitator reveals them.")
    return "\n".join(lines)


def cmd_workshop_status(args: argparse.Namespace) -> int:
    """Print a workshop's progress per participant and domain, and its open disagreements."""
    status = workshop_status(_database(), args.assessment)
    if args.format == "json":
        print(json.dumps(workshop_status_json(status), indent=2, ensure_ascii=False))
    else:
        print(workshop_status_table(status))
    return 0


def add_workshop_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `workshop` command and its sub-commands."""
    workshop = commands.add_parser("workshop", help="workshops: where the room stands")
    workshop_commands = workshop.add_subparsers(dest="workshop_command", required=True)
    status = workshop_commands.add_parser(
        "status", help="progress per participant and domain, and the open disagreements"
    )
    status.add_argument("assessment", metavar="ASSESSMENT_ID", type=int, help="see `python cli.py list`")
    status.add_argument("--format", choices=("table", "json"), default="table", help="output format (default table)")
    status.set_defaults(run=cmd_workshop_status)


def add_access_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `users` and `links` commands, each with its own sub-commands."""
    roles = "administrator, consultant or viewer"
    users = commands.add_parser("users", help="add users, change their roles and organisations (shared mode)")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    add = user_commands.add_parser("add", help="add a user who may sign in with this e-mail address")
    add.add_argument("email", metavar="EMAIL")
    add.add_argument("--role", required=True, metavar="ROLE", help=roles)
    add.add_argument("--org", type=int, nargs="+", metavar="ID", help="organisation ids (see `python cli.py list`)")
    add.set_defaults(run=cmd_users_add)
    user_commands.add_parser("list", help="list users, roles and organisations").set_defaults(run=cmd_users_list)
    role = user_commands.add_parser("role", help="change a user's role")
    role.add_argument("email", metavar="EMAIL")
    role.add_argument("role", metavar="ROLE", help=roles)
    role.set_defaults(run=cmd_users_role)
    assign = user_commands.add_parser("assign", help="replace the organisations a user works on")
    assign.add_argument("email", metavar="EMAIL")
    assign.add_argument(
        "--org",
        type=int,
        nargs="*",
        required=True,
        metavar="ID",
        help="organisation ids; none at all removes every one",
    )
    assign.set_defaults(run=cmd_users_assign)
    for name, text in (("deactivate", "stop a user signing in"), ("activate", "let a deactivated user sign in again")):
        toggle = user_commands.add_parser(name, help=text)
        toggle.add_argument("email", metavar="EMAIL")
        toggle.set_defaults(run=cmd_users_active)

    links = commands.add_parser("links", help="participant links: make, list and withdraw them")
    link_commands = links.add_subparsers(dest="links_command", required=True)
    create = link_commands.add_parser("create", help="make a link for one respondent and print its address")
    create.add_argument("assessment", metavar="ASSESSMENT_ID", type=int, help="see `python cli.py list`")
    create.add_argument("--respondent", required=True, metavar="NAME", help="an existing respondent, or a new one")
    create.add_argument("--days", type=int, default=14, metavar="N", help="how long it stays open, 1-365 (default 14)")
    create.add_argument("--domains", nargs="+", metavar="D", help="only these domain ids (default: every domain)")
    create.add_argument(
        "--base-url", default=DEFAULT_BASE_URL, metavar="URL", help=f"the app's address (default {DEFAULT_BASE_URL})"
    )
    create.set_defaults(run=cmd_links_create)
    listing = link_commands.add_parser("list", help="list an assessment's links (the tokens are not stored)")
    listing.add_argument("assessment", metavar="ASSESSMENT_ID", type=int)
    listing.set_defaults(run=cmd_links_list)
    revoke = link_commands.add_parser("revoke", help="withdraw a link: it stops opening at once")
    revoke.add_argument("link", metavar="LINK_ID", type=int, help="see `python cli.py links list ASSESSMENT_ID`")
    revoke.set_defaults(run=cmd_links_revoke)


def benchmark_json(report: AssessmentReport, result: BenchmarkResult) -> dict[str, object]:
    """The peer comparison as a JSON document: group figures only, never a peer's identity or score."""
    from scoring import OVERALL

    def figures(figure: PeerFigure | None) -> dict[str, float | int | None]:
        return {
            "percentile": None if figure is None else figure.percentile_rank,
            "median": None if figure is None else figure.median,
            "q1": None if figure is None else figure.q1,
            "q3": None if figure is None else figure.q3,
        }

    names = {d.id: d.name for d in report.questionnaire.domains}
    return {
        "peers": result.n,
        "shown": result.available,
        "reason": result.reason,
        "needed": result.missing,
        "sources": dict(result.sources),
        "overall": figures(result.figure(OVERALL)) | {"score": report.score.overall.score},
        "domains": [
            {"domain_id": f.score_id, "name": names.get(f.score_id, f.score_id), "score": f.subject_score}
            | figures(f)
            | {"peers": f.n, "reason": f.reason}
            for f in result.figures
            if f.score_id != OVERALL
        ],
    }


def benchmark_table(document: dict[str, object]) -> str:
    """The peer comparison as a plain-text table."""
    from scoring.benchmark import LOCAL_SOURCE

    if not document["shown"]:
        return (
            f"No peer figures: {document['reason']}; {document['needed']} more peer organisation(s) needed. "
            "Widen the group (fewer filters) or import a benchmark pack."
        )

    def cell(value: object, digits: int = 2) -> str:
        return "-" if value is None else f"{value:.{digits}f}"  # type: ignore[str-format]

    sources = ", ".join(
        f"{count} from {'this installation' if source == LOCAL_SOURCE else source}"
        for source, count in document["sources"].items()
    )  # type: ignore[attr-defined]
    rows = [("", "score", "percentile", "q1", "median", "q3")]
    overall = document["overall"]
    rows.append(
        (
            "Overall",
            cell(overall["score"]),  # type: ignore[index]
            cell(overall["percentile"], 0),  # type: ignore[index]
            cell(overall["q1"]),  # type: ignore[index]
            cell(overall["median"]),  # type: ignore[index]
            cell(overall["q3"]),  # type: ignore[index]
        )
    )
    for d in document["domains"]:  # type: ignore[attr-defined]
        rows.append(
            (d["name"], cell(d["score"]), cell(d["percentile"], 0), cell(d["q1"]), cell(d["median"]), cell(d["q3"]))
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [f"Peers: {document['peers']} ({sources})"]
    lines += [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        for row in rows
    ]
    return "\n".join(lines)


def cmd_benchmark(args: argparse.Namespace) -> int:
    """Compare an assessment with its peers: percentile ranks, medians and quartiles, group figures only."""
    from exports.report import load_report, peer_benchmark
    from questionnaires.catalog import UnknownQuestionnaire
    from scoring import PeerFilter, ScoringError

    db = _database()
    try:
        report = load_report(db, args.assessment)
        result = peer_benchmark(
            db,
            report,
            PeerFilter(
                industry=args.industry,
                size_band=args.size,
                region=args.region,
                year_from=args.since,
                year_to=args.until,
            ),
        )
    except (StorageError, UnknownQuestionnaire, ScoringError) as exc:
        raise CliError(str(exc)) from None
    document = benchmark_json(report, result)
    print(json.dumps(document, indent=2, ensure_ascii=False) if args.format == "json" else benchmark_table(document))
    return 0


def cmd_benchmark_pack_export(args: argparse.Namespace) -> int:
    """Write this installation's anonymised domain scores as a benchmark pack (CSV)."""
    from exports.benchmark_pack import export_pack

    path = output_file(args.file, overwrite=args.overwrite)
    data = export_pack(_database())
    _write_export(path, data)
    print(f"Wrote a benchmark pack of {max(0, len(data.splitlines()) - 1)} peer organisations to {path}")
    return 0


def cmd_benchmark_pack_import(args: argparse.Namespace) -> int:
    """Check a benchmark pack row by row and import it whole, labelled with its source."""
    from exports.benchmark_pack import MAX_PACK_BYTES, BenchmarkPackError, import_pack

    path = Path(args.file)
    try:
        if path.stat().st_size > MAX_PACK_BYTES:
            raise CliError(f"{args.file}: {path.stat().st_size:,} bytes; a pack may hold {MAX_PACK_BYTES:,}. Split it.")
        raw = path.read_bytes()
    except OSError as exc:
        raise CliError(f"{args.file}: cannot read the file ({exc.strerror}).") from None
    try:
        imported = import_pack(_database(), raw, args.source, path.name)
    except BenchmarkPackError as exc:
        raise CliError(
            "\n".join([str(exc).split(":", 1)[0] + ": nothing was imported; fix these rows:", *exc.problems])
        ) from None
    print(f"Imported {imported.row_count} peer organisations from {imported.source}")
    return 0


def add_benchmark_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `benchmark` and `benchmark-pack` commands."""
    bench = commands.add_parser("benchmark", help="compare an assessment with its peers (group figures only)")
    bench.add_argument("assessment", metavar="ASSESSMENT_ID", type=int, help="see `python cli.py list`")
    bench.add_argument("--industry", choices=INDUSTRIES, metavar="INDUSTRY", help="only peers of this industry")
    bench.add_argument("--size", choices=SIZE_BANDS, metavar="SIZE_BAND", help="only peers of this size band")
    bench.add_argument("--region", choices=REGIONS, metavar="REGION", help="only peers of this region")
    bench.add_argument("--since", type=int, metavar="YEAR", help="only peers assessed in YEAR or later")
    bench.add_argument("--until", type=int, metavar="YEAR", help="only peers assessed in YEAR or earlier")
    bench.add_argument("--format", choices=("table", "json"), default="table", help="output format (default table)")
    bench.set_defaults(run=cmd_benchmark)

    packs = commands.add_parser("benchmark-pack", help="share anonymised scores with other installations (CSV)")
    pack_commands = packs.add_subparsers(dest="pack_command", required=True)
    export = pack_commands.add_parser("export", help="write the anonymised domain scores (groups of 5 or more)")
    export.add_argument("file", metavar="FILE.csv")
    export.add_argument("--overwrite", action="store_true", help="replace FILE.csv if it exists")
    export.set_defaults(run=cmd_benchmark_pack_export)
    importing = pack_commands.add_parser("import", help="import a pack, checked row by row, all or nothing")
    importing.add_argument("file", metavar="FILE.csv")
    importing.add_argument("--source", required=True, metavar="NAME", help="who the pack comes from")
    importing.set_defaults(run=cmd_benchmark_pack_import)


# --- services and exercises: an organisation's service register and exercise and incident log as files ---

_EVIDENCE_FORMATS = (".csv", ".xlsx")


def _evidence_suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in _EVIDENCE_FORMATS:
        raise CliError(f"{name}: cannot tell the format from the name; give a file name ending in .csv or .xlsx.")
    return suffix


def _read_evidence_file(name: str) -> bytes:
    from evidence.files import MAX_FILE_BYTES as MAX_EVIDENCE_FILE_BYTES

    _evidence_suffix(name)
    path = Path(name)
    try:
        if path.stat().st_size > MAX_EVIDENCE_FILE_BYTES:
            raise CliError(
                f"{name}: {path.stat().st_size:,} bytes; a register or log file may hold "
                f"{MAX_EVIDENCE_FILE_BYTES:,}. Split it."
            )
        return path.read_bytes()
    except OSError as exc:
        raise CliError(f"{name}: cannot read the file ({exc.strerror}).") from None


def _refused_file(name: str, exc: EvidenceFileError | StorageError) -> CliError:
    problems = getattr(exc, "problems", None) or (str(exc),)
    return CliError("\n".join([f"{name}: nothing was imported; fix these rows:", *(str(p) for p in problems)]))


def cmd_services_import(args: argparse.Namespace) -> int:
    """Replace an organisation's service register with a CSV or workbook file, checked row by row, all or nothing."""
    from evidence.files import EvidenceFileError, read_register
    from storage import get_organisation, record_event
    from storage.errors import ServiceRegisterError
    from storage.evidence import save_register

    raw = _read_evidence_file(args.file)
    db = _database()
    organisation = get_organisation(db, args.organisation)
    try:
        services = read_register(raw, Path(args.file).name)
    except EvidenceFileError as exc:
        raise _refused_file(args.file, exc) from None
    try:
        saved = save_register(db, organisation.id, services)
    except ServiceRegisterError as exc:
        raise _refused_file(args.file, exc) from None
    detail = f"{len(saved)} service{'s' if len(saved) != 1 else ''} from {Path(args.file).name}"
    record_event(db, cli_actor(), "imported the register", organisation.id, detail)
    print(f"Imported {len(saved)} service{'s' if len(saved) != 1 else ''} into the register of {organisation.name}")
    return 0


def cmd_services_export(args: argparse.Namespace) -> int:
    """Write an organisation's service register as CSV or a workbook."""
    from evidence.files import register_csv, register_xlsx
    from storage import get_organisation
    from storage.evidence import load_evidence

    suffix = _evidence_suffix(args.file)
    path = output_file(args.file, overwrite=args.overwrite)
    db = _database()
    organisation = get_organisation(db, args.organisation)
    services = load_evidence(db, organisation.id).services
    _write_export(path, register_csv(services) if suffix == ".csv" else register_xlsx(services))
    print(f"Wrote the register of {organisation.name} ({len(services)} services) to {path}")
    return 0


def cmd_exercises_import(args: argparse.Namespace) -> int:
    """Replace an organisation's exercise and incident log with a CSV or workbook file, all or nothing."""
    from evidence.files import EvidenceFileError, read_log
    from storage import get_organisation, record_event
    from storage.errors import ExerciseLogError
    from storage.evidence import load_evidence, save_log

    raw = _read_evidence_file(args.file)
    db = _database()
    organisation = get_organisation(db, args.organisation)
    names = [service.name for service in load_evidence(db, organisation.id).services]
    try:
        exercises = read_log(raw, Path(args.file).name, names)
    except EvidenceFileError as exc:
        raise _refused_file(args.file, exc) from None
    try:
        saved = save_log(db, organisation.id, exercises)
    except ExerciseLogError as exc:
        raise _refused_file(args.file, exc) from None
    findings = sum(len(e.findings) for e in saved)
    detail = (
        f"{len(saved)} exercise{'s' if len(saved) != 1 else ''}, {findings} finding{'s' if findings != 1 else ''} "
        f"from {Path(args.file).name}"
    )
    record_event(db, cli_actor(), "imported the log", organisation.id, detail)
    print(f"Imported {len(saved)} exercise{'s' if len(saved) != 1 else ''} into the log of {organisation.name}")
    return 0


def cmd_exercises_export(args: argparse.Namespace) -> int:
    """Write an organisation's exercise and incident log as CSV or a workbook."""
    from evidence.files import log_csv, log_xlsx
    from storage import get_organisation
    from storage.evidence import load_evidence

    suffix = _evidence_suffix(args.file)
    path = output_file(args.file, overwrite=args.overwrite)
    db = _database()
    organisation = get_organisation(db, args.organisation)
    exercises = load_evidence(db, organisation.id).exercises
    _write_export(path, log_csv(exercises) if suffix == ".csv" else log_xlsx(exercises))
    print(f"Wrote the log of {organisation.name} ({len(exercises)} exercises) to {path}")
    return 0


def add_evidence_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `services` and `exercises` commands."""
    for name, what, run_import, run_export in (
        ("services", "the service register", cmd_services_import, cmd_services_export),
        ("exercises", "the exercise and incident log", cmd_exercises_import, cmd_exercises_export),
    ):
        parser = commands.add_parser(name, help=f"import or export an organisation's {what[4:]} (CSV or .xlsx)")
        subcommands = parser.add_subparsers(dest=f"{name}_command", required=True)
        importing = subcommands.add_parser(
            "import", help=f"replace {what} with FILE, checked row by row, all or nothing"
        )
        importing.add_argument("organisation", metavar="ORGANISATION_ID", type=int, help="see `python cli.py list`")
        importing.add_argument("file", metavar="FILE", help="a .csv or .xlsx file")
        importing.set_defaults(run=run_import)
        export = subcommands.add_parser("export", help=f"write {what} to FILE")
        export.add_argument("organisation", metavar="ORGANISATION_ID", type=int, help="see `python cli.py list`")
        export.add_argument("file", metavar="FILE", help="the file to write: .csv or .xlsx")
        export.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
        export.set_defaults(run=run_export)


# --- trend: an organisation's scores and stages by period, and the changes against each previous assessment ---


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _answer_json(level: int | None, na: bool) -> int | str | None:
    return "N/A" if na else level


def trend_json(
    organisation: Organisation, history: OrganisationHistory, changes: Sequence[Comparison]
) -> dict[str, object]:
    """The JSON document `trend --format json` prints: periods oldest first, then each one's changes."""

    def moved(change: DomainChange) -> dict[str, object]:
        return {
            "direction": change.direction,
            "score_change": _rounded(change.score_change),
            "stage_change": change.stage_change,
            "practices": {"improved": change.improved, "declined": change.declined, "unchanged": change.unchanged},
        }

    return {
        "organisation": {"id": organisation.id, "name": organisation.name, "illustrative": organisation.illustrative},
        "questionnaire": history.reports[-1].questionnaire.id,
        "periods": [
            {
                "assessment_id": r.assessment.id,
                "label": r.assessment.label,
                "date": r.assessment.assessment_date.isoformat(),
                "questionnaire_version": r.questionnaire.version,
                "completeness": round(r.score.overall.completeness, 4),
                "provisional": r.score.overall.provisional,
                "overall": {"score": _rounded(r.score.overall.score), "stage": r.score.overall.stage},
                "domains": [
                    {
                        "id": d.domain_id,
                        "name": d.name,
                        "score": _rounded(d.score),
                        "stage": d.stage,
                        "target": d.target,
                    }
                    for d in r.score.domains
                ],
            }
            for r in history.reports
        ],
        "changes": [
            {
                "from": c.earlier,
                "to": c.later,
                "overall": moved(c.overall),
                "domains": [{"id": d.domain_id, "name": d.name} | moved(d) for d in c.domains],
                "practices": [
                    {
                        "id": p.question_id,
                        "domain": p.domain_id,
                        "from": _answer_json(p.earlier_level, p.earlier_na),
                        "to": _answer_json(p.later_level, p.later_na),
                        "direction": p.direction,
                    }
                    | ({"replaces": list(p.replaces)} if p.replaces else {})
                    for p in c.practices
                    if p.direction not in ("unchanged", "not comparable")
                ],
                "completed_steps": [
                    {"id": s.question_id, "to_level": s.to_level, "marked_done": s.marked_done, "reached": s.reached}
                    for s in c.completed
                ],
            }
            for c in changes
        ],
        "questions_in_one_version_only": [
            {"id": q.question_id, "domain": q.domain_id, "versions": list(q.versions)} for q in history.version_only
        ],
        "left_out": list(history.skipped),
    }


def trend_table(document: dict[str, Any]) -> str:
    """Render the trend document as plain text: a table of periods, then a table of changes per period."""

    def number(value: float | None, sign: str = "") -> str:
        return "-" if value is None else f"{value:{sign}.2f}"

    def stage(value: int | None) -> str:
        return "-" if value is None else str(value)

    periods = document["periods"]
    organisation = document["organisation"]
    mark = " (illustrative)" if organisation["illustrative"] else ""
    lines = [f"{organisation['name']}{mark}: {len(periods)} assessment(s) on {document['questionnaire']}."]
    if periods:
        domain_ids = list(dict.fromkeys(d["id"] for p in periods for d in p["domains"]))
        lines += ["", "Score (stage) by period:"]
        rows = [["Period", "Date", "Version", "Overall", *domain_ids]]
        for p in periods:
            scores = {d["id"]: d for d in p["domains"]}
            rows.append(
                [
                    p["label"] + (" (provisional)" if p["provisional"] else ""),
                    p["date"],
                    p["questionnaire_version"],
                    f"{number(p['overall']['score'])} ({stage(p['overall']['stage'])})",
                    *(
                        f"{number(scores[i]['score'])} ({stage(scores[i]['stage'])})" if i in scores else "-"
                        for i in domain_ids
                    ),
                ]
            )
        lines += _columns(rows)
    if len(periods) < 2:
        lines += ["", "No earlier assessment to compare with: changes need two or more assessments."]
    for change in document["changes"]:
        lines += ["", f"{change['to']} against {change['from']}:"]
        rows = [["Domain", "Score change", "Stage change", "Direction", "Practices up", "down", "same"]]
        for name, d in [("Overall", change["overall"]), *((d["name"], d) for d in change["domains"])]:
            rows.append(
                [
                    name,
                    number(d["score_change"], "+"),
                    "-" if d["stage_change"] is None else f"{d['stage_change']:+d}" if d["stage_change"] else "0",
                    d["direction"],
                    str(d["practices"]["improved"]),
                    str(d["practices"]["declined"]),
                    str(d["practices"]["unchanged"]),
                ]
            )
        lines += _columns(rows)
        steps = change["completed_steps"]
        marked = sum(1 for s in steps if s["marked_done"])
        reached = sum(1 for s in steps if s["reached"])
        lines.append(f"Roadmap steps completed: {len(steps)} ({marked} marked done, {reached} with the level reached).")
    only = document["questions_in_one_version_only"]
    if only:
        listed = ", ".join(f"{q['id']} ({', '.join(q['versions'])})" for q in only)
        lines += ["", f"Questions in some versions only (no change to show): {listed}."]
    for problem in document["left_out"]:
        lines.append(f"Left out: {problem}")
    return "\n".join(lines)


def cmd_trend(args: argparse.Namespace) -> int:
    """Print an organisation's overall and domain scores and stages by period, and the changes between periods."""
    from exports.report import compare_reports, organisation_history
    from questionnaires.catalog import UnknownQuestionnaire
    from scoring import ScoringError
    from storage import get_organisation, list_assessments

    db = _database()
    try:
        organisation = get_organisation(db, args.organisation)
        assessments = list_assessments(db, organisation.id)
        if not assessments:
            raise CliError(
                f"{organisation.name} has no assessments yet; start one in the app (make run), then run this again."
            )
        # The questionnaire of the latest assessment: assessments on another questionnaire do not compare.
        latest = max(assessments, key=lambda a: (a.assessment_date, a.id))
        history = organisation_history(db, organisation.id, latest.questionnaire_id)
        if not history.reports:
            raise CliError("none of the assessments can be loaded: " + "; ".join(history.skipped))
        changes = [compare_reports(db, a, b) for a, b in zip(history.reports, history.reports[1:], strict=False)]
    except (StorageError, UnknownQuestionnaire, ScoringError) as exc:
        raise CliError(str(exc)) from None
    document = trend_json(organisation, history, changes)
    print(json.dumps(document, indent=2, ensure_ascii=False) if args.format == "json" else trend_table(document))
    return 0


def cmd_upgrade(args: argparse.Namespace) -> int:
    """Copy an assessment onto the next version of its questionnaire, carrying the answers of kept questions."""
    from questionnaires.catalog import UnknownQuestionnaire, get_questionnaire, successor
    from storage import get_assessment, upgrade_assessment

    db = _database()
    try:
        assessment = get_assessment(db, args.assessment)
        earlier = get_questionnaire(assessment.questionnaire_id, assessment.questionnaire_version)
        later = successor(earlier)
        if later is None:
            raise CliError(
                f"no installed version of {earlier.id} follows {earlier.version}: assessment {assessment.id} is on "
                "the newest one."
            )
        done = upgrade_assessment(db, assessment.id, earlier, later, args.label)
    except (StorageError, UnknownQuestionnaire) as exc:
        raise CliError(str(exc)) from None
    document = {
        "assessment": done.assessment.id,
        "label": done.assessment.label,
        "questionnaire": f"{later.id} {later.version}",
        "from_assessment": done.earlier.id,
        "answers_carried": done.carried_answers,
        "questions_carried": list(done.carried_questions),
        "questions_to_answer": list(done.to_answer),
        "replaces": {new: list(olds) for new, olds in done.replaced.items()},
        "not_carried": [
            {"respondent": n.respondent, "question": n.question_id, "reason": n.reason} for n in done.not_carried
        ],
        "finding_steps_moved": [
            {
                "finding_id": item.finding_key,
                "step": item.text,
                "owner": item.owner,
                "due_date": None if item.due_date is None else item.due_date.isoformat(),
                "status": item.status,
            }
            for item in done.moved_finding_steps
        ],
    }
    if args.format == "json":
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return 0
    moved = len(done.moved_finding_steps)
    print(
        f"assessment {done.assessment.id}: {done.assessment.label} on {later.id} {later.version}, made from "
        f"assessment {done.earlier.id} ({done.earlier.label}), which is unchanged"
        + (f" but for {moved} roadmap step(s) made from findings, moved to the new one" if moved else "")
    )
    print(f"  {done.carried_answers} answers carried over for {len(done.carried_questions)} questions")
    print(f"  {len(done.to_answer)} questions to answer:")
    for question_id in done.to_answer:
        olds = done.replaced.get(question_id)
        print(f"    {question_id}" + (f" (replaces {', '.join(olds)})" if olds else ""))
    for n in done.not_carried:
        print(f"  not carried: {n.respondent} on {n.question_id}: {n.reason}")
    for item in done.moved_finding_steps:
        due = "no due date" if item.due_date is None else f"due {item.due_date.isoformat()}"
        print(f"  moved: {item.text} (owner {item.owner or 'none'}, {due}, {item.status})")
    return 0


def add_trend_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `trend` command."""
    trend = commands.add_parser("trend", help="an organisation's scores and stages by period, and what changed")
    trend.add_argument("organisation", metavar="ORGANISATION_ID", type=int, help="see `python cli.py list`")
    trend.add_argument("--format", choices=("table", "json"), default="table", help="output format (default table)")
    trend.set_defaults(run=cmd_trend)

    upgrade = commands.add_parser(
        "upgrade", help="copy an assessment onto the next questionnaire version (kept answers carried over)"
    )
    upgrade.add_argument("assessment", metavar="ASSESSMENT_ID", type=int, help="see `python cli.py list`")
    upgrade.add_argument("--label", help="the new assessment's label (default: the old label and the new version)")
    upgrade.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    upgrade.set_defaults(run=cmd_upgrade)


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
    score.add_argument(
        "--services", metavar="FILE", help="service register (.csv or .xlsx): also score the answers as evidenced"
    )
    score.add_argument(
        "--exercises", metavar="FILE", help="exercise and incident log (.csv or .xlsx), checked with --services"
    )
    score.set_defaults(run=cmd_score)

    backup = commands.add_parser("backup", help="copy the database to PATH (safe while the app runs)")
    backup.add_argument("path", metavar="PATH", help="the backup file to write")
    backup.add_argument("--overwrite", action="store_true", help="replace PATH if it exists")
    backup.set_defaults(run=cmd_backup)

    restore = commands.add_parser("restore", help="replace the database with a backup (the old one is kept)")
    restore.add_argument("path", metavar="PATH", help="a backup file made by `backup`")
    restore.set_defaults(run=cmd_restore)

    migrate_to = commands.add_parser(
        "migrate-to", help="copy the SQLite database into an empty PostgreSQL database, checked score by score"
    )
    migrate_to.add_argument("url", metavar="URL", help="an empty PostgreSQL database: postgresql://user@host/db")
    migrate_to.add_argument(
        "--from", dest="source", metavar="PATH", help="the SQLite file to copy (default: ITSCM_DB, else data/itscm.db)"
    )
    migrate_to.set_defaults(run=cmd_migrate_to)

    listing = commands.add_parser("list", help="list organisations and assessments with their ids")
    listing.set_defaults(run=cmd_list)

    export = commands.add_parser("export", help="export an assessment (workbook, CSV, JSON) or the portfolio")
    export.add_argument("assessment", metavar="ASSESSMENT_ID", type=int, nargs="?", help="see `python cli.py list`")
    export.add_argument("output", metavar="OUTPUT", help="the file to write (.xlsx, .json or .csv)")
    export.add_argument(
        "--format",
        choices=("workbook", "json", "answers-csv", "results-csv"),
        help="what to write (default: from OUTPUT's extension; .csv gives the answers)",
    )
    export.add_argument("--portfolio", action="store_true", help="every assessment's results in one workbook")
    export.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    export.set_defaults(run=cmd_export)

    report = commands.add_parser("report", help="write an assessment's two-page executive report (Word or PDF)")
    report.add_argument("assessment", metavar="ASSESSMENT_ID", type=int, help="see `python cli.py list`")
    report.add_argument("output", metavar="FILE", help="the file to write: .docx (Word) or .pdf")
    report.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    report.set_defaults(run=cmd_report)

    importing = commands.add_parser("import", help="import an assessment exported as JSON")
    importing.add_argument("file", metavar="FILE.json")
    # An organisation of the same name may exist already: joining it changes its trends and benchmarks, so ask.
    where = importing.add_mutually_exclusive_group()
    where.add_argument(
        "--into-existing",
        action="store_true",
        help="add the assessment to the organisation of the same name (ignoring case) if there is one",
    )
    where.add_argument("--as-new", metavar="NAME", help="import it as a new organisation named NAME")
    importing.set_defaults(run=cmd_import)

    demo = commands.add_parser("demo", help="load illustrative demo data (fictional organisations)")
    demo.add_argument(
        "--remove",
        action="store_true",
        help="delete every illustrative organisation (on SQLite a backup file is taken first)",
    )
    demo.set_defaults(run=cmd_demo)

    add_access_commands(commands)
    add_workshop_commands(commands)
    add_benchmark_commands(commands)
    add_evidence_commands(commands)
    add_trend_command(commands)
    return parser


# Commands that look questionnaires up in the installed catalogue, so its warnings concern them.
USES_CATALOGUE = frozenset(
    {"export", "report", "import", "demo", "links", "workshop", "benchmark", "benchmark-pack", "trend", "migrate-to"}
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command in USES_CATALOGUE:
            from questionnaires.catalog import catalogue_warnings

            for warning in catalogue_warnings():
                print(f"warning: {warning}", file=sys.stderr)
        return int(args.run(args))
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except StorageError as exc:
        # A command that reached storage without its own handling still gets one line, never a traceback.
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`): not an error of ours.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
