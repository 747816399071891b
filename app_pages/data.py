"""Data: exports (workbook, CSV, JSON, offline questionnaire, portfolio), imports, backup and restore."""

from __future__ import annotations

import io
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from access import Action
from exports.csv_export import answers_csv_bytes, results_csv_bytes
from exports.json_io import AssessmentImportError, ImportPreview, assessment_json, import_assessment, preview_import
from exports.offline import (
    OfflineImport,
    OfflineImportRefused,
    apply_offline_import,
    offline_workbook,
    read_offline_workbook,
)
from exports.portfolio import portfolio_rows, portfolio_workbook
from exports.report import load_report
from exports.upload_safety import UploadRefused
from questionnaires.coverage import coverage_table
from storage import backup_database, connect, list_roadmap_items
from storage.engines import is_postgres
from storage.finding_items import list_finding_items
from storage.restore import check_backup, restore_database
from ui.access import allowed, audited, current_actor, record
from ui.downloads import XLSX, file_stem, slug, workbook_button
from ui.jobs import exclusive, progress_reporter
from ui.session import (
    CORE_ERRORS,
    chosen_assessment_id,
    db,
    page_header,
    remember,
    show_error,
    visible_organisation_list,
)
from ui.text import counted, md
from ui.uploads import finish_import, read_once, right_kind, uploader_key

IMPORT_ERRORS = (*CORE_ERRORS, UploadRefused, OfflineImportRefused, AssessmentImportError)


CSV = "text/csv"


def json_bytes(assessment_id: int) -> bytes:
    conn = connect()
    report = load_report(conn, assessment_id, with_hidden_votes=True)
    steps = list_finding_items(conn, assessment_id)
    return assessment_json(report, list_roadmap_items(conn, assessment_id), steps).encode("utf-8")


def backup_bytes() -> bytes:
    folder = Path(tempfile.mkdtemp())
    copy = backup_database(connect(), folder / "backup.db")
    try:
        return copy.read_bytes()
    finally:
        copy.unlink(missing_ok=True)
        folder.rmdir()


def assessment_downloads(assessment_id: int) -> None:
    """Download buttons for one assessment: workbook, CSV, JSON and the offline questionnaire."""
    report = load_report(db(), assessment_id)
    base = file_stem(report)
    st.markdown("**This assessment**")
    with st.container(horizontal=True):
        workbook_button(report, key="data-workbook")
        downloads = [
            ("Answers (CSV)", lambda: answers_csv_bytes(report), f"{base}-answers.csv", CSV, ":material/csv:", None),
            ("Results (CSV)", lambda: results_csv_bytes(report), f"{base}-results.csv", CSV, ":material/csv:", None),
            (
                "Assessment (JSON)",
                lambda: json_bytes(assessment_id),
                f"{base}.json",
                "application/json",
                ":material/data_object:",
                "Everything stored for this assessment; import it into another installation.",
            ),
            (
                "Coverage by standard (CSV)",
                lambda: coverage_table(report.questionnaire).to_csv(index=False).encode("utf-8-sig"),
                f"{slug(report.questionnaire.id)}-{slug(report.questionnaire.version)}-coverage.csv",
                CSV,
                ":material/menu_book:",
                "Which questions cover which clause, control or article of each standard.",
            ),
        ]
        for label, data, file_name, mime, icon, help_text in downloads:
            st.download_button(
                label,
                data=audited(data, f"exported {label}", report.organisation.id, f"assessment {assessment_id}"),
                file_name=file_name,
                mime=mime,
                icon=icon,
                on_click="ignore",
                help=help_text,
            )
    st.markdown("**Offline questionnaire** for one respondent, to fill in with Excel and import back")
    if not report.respondents:
        st.info("This assessment has no respondent yet.")
        return
    people = {r.id: r for r in report.respondents}
    person = st.selectbox("Respondent", list(people), format_func=lambda rid: people[rid].name, key="data-respondent")
    st.download_button(
        "Offline questionnaire (Excel)",
        data=audited(
            lambda: offline_workbook(
                db(),
                report.questionnaire,
                organisation_name=report.organisation.name,
                assessment_label=report.assessment.label,
                assessment_id=report.assessment.id,
                respondent_name=people[person].name,
                respondent_id=person,
                answers=report.answers_of(person),
            ),
            "exported an offline questionnaire",
            report.organisation.id,
            f"assessment {assessment_id}, respondent {person}",
        ),
        file_name=f"{base}-{slug(people[person].name)}-offline.xlsx",
        mime=XLSX,
        icon=":material/download:",
        on_click="ignore",
    )


def portfolio_export() -> None:
    """Every assessment's results in one workbook, prepared with a progress bar, one export at a time."""
    st.markdown("**Portfolio**: every assessment's results in one workbook")
    if st.button("Prepare the portfolio workbook", icon=":material/dataset:"):
        with exclusive("portfolio") as mine:
            if not mine:
                st.warning("A portfolio export is already running; try again when it has finished.")
                return
            bar = st.progress(0.0, text="Scoring assessments...")
            buffer = io.BytesIO()
            rows = list(portfolio_rows(db(), progress=progress_reporter(bar, "Scoring assessments")))
            portfolio_workbook(rows, buffer, progress=progress_reporter(bar, "Writing the workbook"))
            st.session_state["portfolio-xlsx"] = buffer.getvalue()
            bar.empty()
    if "portfolio-xlsx" in st.session_state:
        st.download_button(
            "Download the portfolio workbook",
            data=st.session_state["portfolio-xlsx"],
            file_name=f"portfolio-{date.today():%Y-%m-%d}.xlsx",
            mime=XLSX,
            icon=":material/download:",
            on_click="ignore",
        )


def offline_import(upload: UploadedFile, assessment_id: int) -> None:
    """Read an uploaded offline questionnaire, list its problems, and import it when the user says so."""
    target = load_report(db(), assessment_id)
    questionnaire = target.questionnaire

    def read(raw: bytes) -> OfflineImport | Exception:
        try:
            return read_offline_workbook(db(), raw, questionnaire, assessment_id=assessment_id, name=upload.name)
        except IMPORT_ERRORS as exc:
            return exc

    result = read_once(upload, f"offline-{assessment_id}", read)
    if isinstance(result, Exception):
        show_error(result)
        return
    st.markdown(md(f"{upload.name}: {len(result.rows)} answer rows for {result.respondent_name or 'a respondent'}."))
    for warning in result.warnings:
        st.warning(md(f"{warning.where}: {warning.message}"))
    if result.problems:
        count = len(result.problems)
        st.error(
            f"{counted(count, 'problem')}: nothing is imported until {'it is' if count == 1 else 'they are'} fixed."
        )
        st.dataframe(pd.DataFrame([{"Where": p.where, "Problem": p.message} for p in result.problems]), hide_index=True)
    with st.container(horizontal=True):
        import_all = st.button("Import", type="primary", disabled=bool(result.problems))
        import_valid = st.button(
            f"Import the {len(result.rows)} valid rows only",
            disabled=not result.problems or not result.rows or bool(result.blocking_problems),
        )
    if not (import_all or import_valid) or result.respondent_id is None:
        return
    with exclusive("import") as mine:
        if not mine:
            st.warning("An import is already running; try again when it has finished.")
            return
        bar = st.progress(0.0, text="Importing...")
        try:
            changed = apply_offline_import(
                db(),
                questionnaire,
                assessment_id,
                result.respondent_id,
                result,
                valid_only=import_valid,
                progress=progress_reporter(bar, "Importing"),
            )
        except IMPORT_ERRORS as exc:
            bar.empty()
            show_error(exc)
            return
    record("imported an offline questionnaire", target.organisation.id, f"{changed} answers changed")
    finish_import(md(f"Imported {upload.name}: {counted(changed, 'answer')} changed."), "offline-upload")


def json_import(upload: UploadedFile) -> None:
    """Check an uploaded assessment, ask what to do when its organisation exists, then import it."""

    def read(raw: bytes) -> ImportPreview | Exception:
        try:
            return preview_import(db(), raw)
        except IMPORT_ERRORS as exc:
            return exc

    preview = read_once(upload, "json", read)
    if isinstance(preview, Exception):
        show_error(preview)
        return
    into_existing = False
    new_name: str | None = None
    st.markdown(md(f"{upload.name}: assessment {preview.label} of {preview.organisation_name}."))
    if preview.existing is not None:
        existing = preview.existing.name
        st.warning(
            md(
                f"An organisation named {existing} already exists"
                + (f" with other details ({'; '.join(preview.differences)})" if preview.differences else "")
                + ". Adding this assessment to it changes its trends and benchmarks."
            ),
            icon=":material/help:",
        )
        options = ["existing", "new"]
        choice = st.radio(
            "Import it",
            options,
            index=None,
            format_func=lambda option: md(
                f"into {existing}" + (f" (not possible: it already has {preview.label})" if preview.label_taken else "")
                if option == "existing"
                else "as a new organisation under another name"
            ),
            key="json-import-choice",
        )
        if choice == "existing" and preview.label_taken:
            st.error(md(f"{existing} already has an assessment labelled {preview.label}; import it as new."))
            return
        if choice == "new":
            new_name = st.text_input("Name of the new organisation", key="json-import-name")
        into_existing = choice == "existing"
        ready = choice == "existing" or bool(new_name and new_name.strip())
    else:
        ready = True
    if not st.button("Import the assessment", type="primary", disabled=not ready):
        return
    with exclusive("import") as mine:
        if not mine:
            st.warning("An import is already running; try again when it has finished.")
            return
        try:
            outcome = import_assessment(
                db(), preview, into_existing=into_existing, new_name=new_name, by=current_actor().label
            )
        except IMPORT_ERRORS as exc:
            show_error(exc)
            return
    imported = outcome.assessment
    record(
        "imported an assessment (JSON)",
        imported.organisation_id,
        " ".join(part for part in (f"assessment {imported.id}", outcome.finding_steps_note()) if part),
    )
    remember("organisation", imported.organisation_id)
    remember("assessment", imported.id)
    st.session_state.pop("json-import-choice", None)
    st.session_state.pop("json-import-name", None)
    if outcome.finding_steps.not_linked:
        st.session_state["data-warning"] = "\n\n".join(
            [
                md(outcome.not_carried_note()),
                *(f"- {md(step.content.step)}" for step in outcome.finding_steps.not_linked),
            ]
        )
    finish_import(
        md(f"Imported assessment {imported.label} from {upload.name}. {outcome.linked_note()}".strip()), "json-upload"
    )


def restore_upload(staged: Path) -> None:
    """Check an uploaded backup, show what it holds, and restore it once the user confirms."""
    try:
        checked = check_backup(staged)
    except CORE_ERRORS as exc:
        show_error(exc)
        return
    st.info(
        f"{checked.organisations} organisations, {checked.assessments} assessments and {checked.answers} "
        f"answers (schema version {checked.schema_version}); every check passed."
    )
    sure = st.checkbox("Replace all current data with this backup", key="restore-confirm")
    if not st.button("Restore", type="primary", disabled=not sure):
        return
    with exclusive("restore") as mine:
        if not mine:
            st.warning("A restore is already running.")
            return
        bar = st.progress(0.3, text="Keeping a copy of the current database...")
        try:
            outcome = restore_database(staged)
        except CORE_ERRORS as exc:
            show_error(exc)
            return
        bar.progress(1.0, text="Restored.")
        record("restored a backup", None, f"{checked.organisations} organisations, {checked.assessments} assessments")
        st.success(md(f"Restored. The previous database is kept at {outcome.previous_copy}."))


organisations = visible_organisation_list()
chosen_assessment = chosen_assessment_id()
report = load_report(db(), chosen_assessment) if chosen_assessment is not None else None
if report is not None:
    page_header("Data", report)
else:
    st.title("Data", anchor=False)
st.caption("Export an assessment, fill in a questionnaire offline, import answers, and back up or restore everything.")

organisation_id = report.organisation.id if report is not None else None
may_export = allowed(Action.EXPORT, organisation_id=organisation_id)
may_import_offline = allowed(Action.IMPORT_OFFLINE, organisation_id=organisation_id)
may_import_json = allowed(Action.IMPORT_JSON)
may_backup, may_restore = allowed(Action.BACKUP), allowed(Action.RESTORE)
tabs = [
    name
    for name, shown in (
        ("Export", True),
        ("Import", may_import_offline or may_import_json),
        ("Backup and restore", may_backup or may_restore),
    )
    if shown
]
tab = dict(zip(tabs, st.tabs(tabs), strict=True))

with tab["Export"]:
    if not organisations:
        st.info("Nothing to export yet: create an organisation and an assessment on the Home page.")
    elif report is None:
        st.info("This organisation has no assessment yet: start one on the Home page.")
    elif may_export:
        assessment_downloads(report.assessment.id)
    if allowed(Action.PORTFOLIO):
        st.divider()
        portfolio_export()

if "Import" in tab:
    with tab["Import"]:
        flash = st.session_state.pop("data-flash", None)
        if flash is not None:
            st.success(flash, icon=":material/check_circle:")
        left_out = st.session_state.pop("data-warning", None)
        if left_out is not None:
            st.warning(left_out, icon=":material/link_off:")
        if may_import_offline:
            st.markdown("**Offline questionnaire**: a workbook exported above and filled in")
            offline = st.file_uploader("Offline questionnaire (.xlsx)", key=uploader_key("offline-upload"))
            if offline is not None and right_kind(
                offline,
                (".xlsx",),
                "an Excel workbook",
                "export an offline questionnaire on the Export tab, fill it in with Excel and upload that workbook.",
            ):
                if report is None:
                    st.info("Choose the organisation and the assessment at the top of the page first.")
                else:
                    offline_import(offline, report.assessment.id)
        if may_import_json:
            st.divider()
            st.markdown("**Assessment (JSON)** exported from this or another installation")
            document = st.file_uploader("Assessment (.json)", key=uploader_key("json-upload"))
            if document is not None and right_kind(
                document,
                (".json",),
                "an assessment exported as JSON",
                "on the installation it comes from, open the Data page and download Assessment (JSON).",
            ):
                json_import(document)

if "Backup and restore" in tab:
    with tab["Backup and restore"]:
        if is_postgres(db()):
            # The backup file and its restore are SQLite's; a PostgreSQL server has its own tools.
            st.info(
                "This installation keeps its data on PostgreSQL: back it up with "
                "`pg_dump -Fc` and restore it with `pg_restore`, as the README's Data section shows. Each "
                "assessment's JSON export (Export tab) works on both engines.",
                icon=":material/database:",
            )
        elif may_backup:
            st.markdown("**Back up** the whole database (every organisation, assessment, answer and its history)")
            st.download_button(
                "Download a backup",
                data=audited(backup_bytes, "downloaded a backup"),
                file_name=f"maturity-backup-{datetime.now(UTC):%Y%m%d-%H%M}.db",
                mime="application/vnd.sqlite3",
                icon=":material/backup:",
                on_click="ignore",
                help="A consistent copy made with SQLite's backup API, safe while people are answering.",
            )
            st.caption("From the command line: `python cli.py backup PATH`.")
        if may_restore and not is_postgres(db()):
            st.divider()
            st.markdown("**Restore** a backup: it replaces all current data; the current database is kept as a copy")
            upload = st.file_uploader("Backup file (.db)", key="restore-upload")
            st.caption("Larger backups than the upload limit can be restored with `python cli.py restore PATH`.")
            if upload is not None and right_kind(
                upload,
                (".db", ".sqlite", ".sqlite3"),
                "a backup of this app's database",
                "choose a file made with Download a backup or `python cli.py backup`.",
            ):
                # The upload is staged in a folder of its own that is removed once it has been checked or restored.
                with tempfile.TemporaryDirectory() as folder:
                    staged = Path(folder) / "restore.db"
                    staged.write_bytes(upload.getvalue())
                    restore_upload(staged)
