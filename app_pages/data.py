"""Data: exports (workbook, CSV, JSON, offline questionnaire, portfolio), imports, backup and restore."""

from __future__ import annotations

import io
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from exports.csv_export import answers_csv_bytes, results_csv_bytes
from exports.json_io import AssessmentImportError, assessment_json, import_assessment
from exports.offline import (
    OfflineImportRefused,
    apply_offline_import,
    offline_workbook,
    read_offline_workbook,
)
from exports.portfolio import portfolio_rows, portfolio_workbook
from exports.report import load_report
from exports.upload_safety import UploadRefused
from questionnaires.coverage import coverage_table
from storage import backup_database, connect, list_assessments, list_organisations, list_roadmap_items
from storage.restore import check_backup, restore_database
from ui.downloads import XLSX, file_stem, slug, workbook_button
from ui.jobs import exclusive, progress_reporter
from ui.session import CORE_ERRORS, db, organisation_label, recalled_int, remember, show_error
from ui.text import md

IMPORT_ERRORS = (*CORE_ERRORS, UploadRefused, OfflineImportRefused, AssessmentImportError)

st.title("Data")
st.caption("Export an assessment, fill in a questionnaire offline, import answers, and back up or restore everything.")


CSV = "text/csv"


def json_bytes(assessment_id: int) -> bytes:
    conn = connect()
    report = load_report(conn, assessment_id)
    return assessment_json(report, list_roadmap_items(conn, assessment_id)).encode("utf-8")


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
                label, data=data, file_name=file_name, mime=mime, icon=icon, on_click="ignore", help=help_text
            )
    st.markdown("**Offline questionnaire** for one respondent, to fill in with Excel and import back")
    if not report.respondents:
        st.info("This assessment has no respondent yet.")
        return
    people = {r.id: r for r in report.respondents}
    person = st.selectbox("Respondent", list(people), format_func=lambda rid: people[rid].name, key="data-respondent")
    st.download_button(
        "Offline questionnaire (Excel)",
        data=lambda: offline_workbook(
            report.questionnaire,
            organisation_name=report.organisation.name,
            assessment_label=report.assessment.label,
            assessment_id=report.assessment.id,
            respondent_name=people[person].name,
            respondent_id=person,
            answers=report.answers_of(person),
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


def offline_import(name: str, raw: bytes, assessment_id: int) -> None:
    """Read an uploaded offline questionnaire, list its problems, and import it when the user says so."""
    questionnaire = load_report(db(), assessment_id).questionnaire
    try:
        result = read_offline_workbook(raw, questionnaire, assessment_id=assessment_id, name=name)
    except IMPORT_ERRORS as exc:
        show_error(exc)
        return
    st.markdown(md(f"{name}: {len(result.rows)} answer rows for {result.respondent_name or 'a respondent'}."))
    for warning in result.warnings:
        st.warning(md(f"{warning.where}: {warning.message}"))
    if result.problems:
        st.error(f"{len(result.problems)} problem(s): nothing is imported until they are fixed.")
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
            show_error(exc)
            return
        st.success(f"Imported: {changed} answer(s) changed.")


def restore_upload(staged: Path) -> None:
    """Check an uploaded backup, show what it holds, and restore it once the user confirms."""
    try:
        checked = check_backup(staged)
    except CORE_ERRORS as exc:
        show_error(exc)
        return
    st.info(
        f"{checked.organisations} organisations, {checked.assessments} assessments and {checked.answers} "
        f"answers (schema version {checked.schema_version}); the integrity check is ok."
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
        st.success(md(f"Restored. The previous database is kept at {outcome.previous_copy}."))


organisations = list_organisations(db())
chosen_assessment: int | None = None
if organisations:
    by_id = {o.id: o for o in organisations}
    org_id = recalled_int("organisation")
    org_id = org_id if org_id in by_id else organisations[0].id
    left, right = st.columns(2)
    org_id = left.selectbox(
        "Organisation",
        list(by_id),
        index=list(by_id).index(org_id),
        format_func=lambda oid: organisation_label(by_id[oid]),
        key="data-organisation",
    )
    remember("organisation", org_id)
    assessments = sorted(list_assessments(db(), org_id), key=lambda a: a.assessment_date, reverse=True)
    if assessments:
        by_assessment = {a.id: a for a in assessments}
        wanted = recalled_int("assessment")
        chosen_assessment = right.selectbox(
            "Assessment",
            list(by_assessment),
            index=list(by_assessment).index(wanted) if wanted in by_assessment else 0,
            format_func=lambda aid: f"{by_assessment[aid].label} ({by_assessment[aid].assessment_date:%d %b %Y})",
            key="data-assessment",
        )
        remember("assessment", chosen_assessment)

export_tab, import_tab, backup_tab = st.tabs(["Export", "Import", "Backup and restore"])

with export_tab:
    if not organisations:
        st.info("Nothing to export yet: create an organisation and an assessment on the Home page.")
    else:
        if chosen_assessment is None:
            st.info("This organisation has no assessment yet: start one on the Home page.")
        else:
            assessment_downloads(chosen_assessment)
        st.divider()
        portfolio_export()

with import_tab:
    st.markdown("**Offline questionnaire**: a workbook exported above and filled in")
    offline = st.file_uploader("Offline questionnaire (.xlsx)", type=["xlsx"], key="offline-upload")
    if offline is not None:
        if chosen_assessment is None:
            st.info("Choose the organisation and the assessment at the top of the page first.")
        else:
            offline_import(offline.name, offline.getvalue(), chosen_assessment)

    st.divider()
    st.markdown("**Assessment (JSON)** exported from this or another installation")
    document = st.file_uploader("Assessment (.json)", type=["json"], key="json-upload")
    if document is not None and st.button("Import the assessment", type="primary"):
        with exclusive("import") as mine:
            if not mine:
                st.warning("An import is already running; try again when it has finished.")
            else:
                bar = st.progress(0.0, text="Checking and importing the assessment...")
                try:
                    imported = import_assessment(db(), document.getvalue())
                except IMPORT_ERRORS as exc:
                    bar.empty()
                    show_error(exc)
                else:
                    bar.progress(1.0, text="Imported.")
                    remember("assessment", imported.id)
                    st.success(md(f"Imported assessment {imported.label}."))

with backup_tab:
    st.markdown("**Back up** the whole database (every organisation, assessment, answer and its history)")
    st.download_button(
        "Download a backup",
        data=lambda: backup_bytes(),
        file_name=f"itscm-backup-{datetime.now(UTC):%Y%m%d-%H%M}.db",
        mime="application/vnd.sqlite3",
        icon=":material/backup:",
        on_click="ignore",
        help="A consistent copy made with SQLite's backup API, safe while people are answering.",
    )
    st.caption("From the command line: `python cli.py backup PATH`.")

    st.divider()
    st.markdown("**Restore** a backup: it replaces all current data; the current database is kept as a copy")
    upload = st.file_uploader("Backup file (.db)", type=["db", "sqlite", "sqlite3"], key="restore-upload")
    st.caption("Larger backups than the upload limit can be restored with `python cli.py restore PATH`.")
    if upload is not None:
        # The upload is staged in a folder of its own that is removed once it has been checked or restored.
        with tempfile.TemporaryDirectory() as folder:
            staged = Path(folder) / "restore.db"
            staged.write_bytes(upload.getvalue())
            restore_upload(staged)
