"""Evidence: an organisation's service register and exercise and incident log, edited as tables, imported, exported."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Final

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from access import Action
from access.decide import may_plan_finding
from evidence.files import (
    EXERCISE_COLUMNS,
    FINDING_COLUMNS,
    REGISTER_COLUMNS,
    RESULT_COLUMNS,
    EvidenceFileError,
    exercise_refs,
    log_csv,
    log_from_tables,
    log_xlsx,
    read_log,
    read_register,
    register_csv,
    register_from_table,
    register_xlsx,
)
from evidence.model import EXERCISE_KINDS, FINDING_STATUSES, TIERS, Evidence, Exercise, Service
from scoring.evidence_checks import against_objective
from storage.assessments import list_assessments
from storage.errors import ExerciseLogError, ServiceRegisterError
from storage.evidence import load_evidence, save_log, save_register
from storage.finding_items import list_findings, plan_finding
from storage.records import Assessment, Organisation
from storage.validation import name_key
from ui.access import allowed, audited, current_actor, record
from ui.downloads import XLSX, slug
from ui.session import CORE_ERRORS, PAGES, attempt, chosen_organisation, db, organisation_header, show_error
from ui.text import counted, md
from ui.uploads import finish_import, read_once, right_kind, uploader_key

CSV: Final = "text/csv"
FLASH: Final = "data-flash"  # the key ui.uploads.finish_import leaves its message under
HOURS: Final = {"min_value": 0.0, "step": 0.25, "format": "%g"}
REGISTER_CONFIG: Final = {
    "name": st.column_config.TextColumn("Name", required=True, help="Unique within the organisation."),
    "owner": st.column_config.TextColumn("Owner", help="Who is accountable for the service."),
    "tier": st.column_config.SelectboxColumn("Tier", options=list(TIERS), required=True),
    "mtpd_hours": st.column_config.NumberColumn("MTPD h", help="Maximum tolerable period of disruption.", **HOURS),
    "rto_hours": st.column_config.NumberColumn("RTO h", help="Recovery time objective; not above the MTPD.", **HOURS),
    "rpo_hours": st.column_config.NumberColumn("RPO h", help="Recovery point objective: data loss tolerated.", **HOURS),
    # Thousands separated (50,000), as the reader's browser writes numbers; "%g" turned 1,250,000 into 1.25e+06.
    "downtime_cost_per_hour": st.column_config.NumberColumn(
        "Downtime cost per hour", min_value=0.0, format="localized"
    ),
    "currency": st.column_config.TextColumn("Currency", help="Three-letter ISO 4217 code: EUR, USD, GBP..."),
    "depends_on": st.column_config.TextColumn("Depends on", help="Services of this register, separated by ;"),
    "providers": st.column_config.TextColumn("Providers", help="Third-party providers, separated by ;"),
    "bia_reviewed_on": st.column_config.DateColumn("BIA reviewed on", format="YYYY-MM-DD"),
}
EXERCISE_CONFIG: Final = {
    "ref": st.column_config.TextColumn("Ref", required=True, help="A short reference such as E1; results use it."),
    "date": st.column_config.DateColumn("Date", required=True, format="YYYY-MM-DD"),
    "kind": st.column_config.SelectboxColumn("Kind", options=list(EXERCISE_KINDS), required=True),
    "title": st.column_config.TextColumn("Title", required=True),
    "participants": st.column_config.TextColumn("Participants"),
}
FINDING_CONFIG: Final = {
    "exercise": st.column_config.TextColumn("Exercise", required=True, help="The ref of its exercise, such as E1."),
    "finding": st.column_config.TextColumn("Finding", required=True),
    "owner": st.column_config.TextColumn("Owner"),
    "due": st.column_config.DateColumn("Due", format="YYYY-MM-DD"),
    "status": st.column_config.SelectboxColumn("Status", options=list(FINDING_STATUSES), default="open"),
    "finding_id": st.column_config.TextColumn(
        "Id", disabled=True, help="Given when saved and kept, so a roadmap step made from the finding stays linked."
    ),
}
STORED_NAME: Final = "stored_name"  # a hidden column of the register editor: the name as saved, to tell a rename
OUTCOME_WORDS: Final = {"met": "✓ met", "missed": "✗ missed", "": ""}
PLURALS: Final = {"service": "services", "exercise or incident": "exercises or incidents"}


def plain(value: object) -> object:
    """A cell of an edited table as plain Python: blanks (None, NaN, NaT) as None, numpy numbers as floats."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if value is pd.NaT:
        return None
    return value


def table_rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, object]]:
    """The rows of an edited table in the order shown, keyed by the file's column names."""
    return [{column: plain(row.get(column)) for column in columns} for row in frame.to_dict("records")]


def typed(rows: list[dict[str, object]], columns: Sequence[str], numbers: Sequence[str]) -> pd.DataFrame:
    """A table for an editor: numbers as floats, everything else as objects, so an empty table has the right kinds."""
    return pd.DataFrame(
        {
            column: pd.Series(
                [row[column] for row in rows],
                dtype="float64" if column in numbers else "object",
            )
            for column in columns
        }
    )


def register_frame(services: Sequence[Service]) -> pd.DataFrame:
    """The register as the editor shows it, one row per service."""
    rows = [
        {
            "name": s.name,
            "owner": s.owner,
            "tier": s.tier,
            "mtpd_hours": s.mtpd_hours,
            "rto_hours": s.rto_hours,
            "rpo_hours": s.rpo_hours,
            "downtime_cost_per_hour": np.nan if s.downtime_cost_per_hour is None else s.downtime_cost_per_hour,
            "currency": s.currency,
            "depends_on": "; ".join(s.depends_on),
            "providers": "; ".join(s.providers),
            "bia_reviewed_on": s.bia_reviewed_on,
            STORED_NAME: s.name,
        }
        for s in services
    ]
    numbers = ("mtpd_hours", "rto_hours", "rpo_hours", "downtime_cost_per_hour")
    return typed(rows, (*REGISTER_COLUMNS, STORED_NAME), numbers)


def renames(edited: pd.DataFrame) -> dict[str, str]:
    """The services renamed in the edited register: stored name -> new name (a change of capitals is no rename)."""
    found: dict[str, str] = {}
    for row in edited.to_dict("records"):
        stored, name = plain(row.get(STORED_NAME)), plain(row.get("name"))
        if isinstance(stored, str) and isinstance(name, str) and name.strip() and name_key(name) != name_key(stored):
            found[stored] = name.strip()
    return found


def log_frames(evidence: Evidence) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The log as three tables linked by ref (as the workbook's sheets); results show their objectives met or not."""
    refs = exercise_refs(evidence.exercises)
    exercises = [
        {"ref": ref, "date": e.day, "kind": e.kind, "title": e.title, "participants": e.participants}
        for ref, e in zip(refs, evidence.exercises, strict=True)
    ]
    results: list[dict[str, object]] = []
    findings: list[dict[str, object]] = []
    for ref, e in zip(refs, evidence.exercises, strict=True):
        for r in e.results:
            service = evidence.service(r.service)
            results.append(
                {
                    "exercise": ref,
                    "service": r.service,
                    "recovery_hours": np.nan if r.recovery_hours is None else r.recovery_hours,
                    "data_loss_hours": np.nan if r.data_loss_hours is None else r.data_loss_hours,
                    "rto": np.nan if service is None else service.rto_hours,
                    "against_rto": "" if service is None else against_objective(r.recovery_hours, service.rto_hours),
                    "rpo": np.nan if service is None else service.rpo_hours,
                    "against_rpo": "" if service is None else against_objective(r.data_loss_hours, service.rpo_hours),
                }
            )
        findings += [
            {
                "exercise": ref,
                "finding": f.text,
                "owner": f.owner,
                "due": f.due,
                "status": f.status,
                "finding_id": f.key,
            }
            for f in e.findings
        ]
    numbers = ("recovery_hours", "data_loss_hours", "rto", "rpo")
    result_columns = (*RESULT_COLUMNS, "rto", "against_rto", "rpo", "against_rpo")
    result_frame = typed(results, result_columns, numbers)
    for column in ("against_rto", "against_rpo"):
        result_frame[column] = result_frame[column].map(lambda outcome: OUTCOME_WORDS.get(outcome, outcome))
    return typed(exercises, EXERCISE_COLUMNS, ()), result_frame, typed(findings, FINDING_COLUMNS, ())


def result_config(service_names: Sequence[str]) -> dict[str, object]:
    """The results table's columns: the service chosen from the register; objectives and outcomes read-only."""
    return {
        "exercise": st.column_config.TextColumn("Exercise", required=True, help="The ref of its exercise, such as E1."),
        "service": st.column_config.SelectboxColumn("Service", options=list(service_names), required=True),
        "recovery_hours": st.column_config.NumberColumn("Recovery h", help="Recovery time achieved.", **HOURS),
        "data_loss_hours": st.column_config.NumberColumn("Data loss h", help="Data lost, in hours.", **HOURS),
        "rto": st.column_config.NumberColumn("RTO h", disabled=True, format="%g"),
        "against_rto": st.column_config.TextColumn("Against RTO", disabled=True, help="As saved: met or missed."),
        "rpo": st.column_config.NumberColumn("RPO h", disabled=True, format="%g"),
        "against_rpo": st.column_config.TextColumn("Against RPO", disabled=True, help="As saved: met or missed."),
    }


def editor_key(name: str, organisation_id: int) -> str:
    """An editor's key; it changes after every save or import, so the editor starts from what is stored."""
    return f"evidence-{name}-{organisation_id}-{st.session_state.get(f'evidence-round-{organisation_id}', 0)}"


def start_editors_afresh(organisation_id: int) -> None:
    """Let the editors show what is stored now, dropping the edits that were just saved."""
    key = f"evidence-round-{organisation_id}"
    st.session_state[key] = st.session_state.get(key, 0) + 1


def saved(message: str, organisation_id: int) -> None:
    """After a save: the editors start from what is stored, with one message above them."""
    start_editors_afresh(organisation_id)
    st.session_state[FLASH] = md(message)
    st.rerun()


def show_problems(what: str, problems: Sequence[str]) -> None:
    """Say that nothing was saved and list every problem, as text."""
    count = counted(len(problems), "problem")
    st.error(f"{what} was not saved: {count}. Nothing was changed; fix them and save again.", icon=":material/error:")
    st.dataframe(pd.DataFrame({"Problem": list(problems)}), hide_index=True, width="stretch")


def storage_problems(exc: ServiceRegisterError | ExerciseLogError) -> list[str]:
    """The problems a save refused, each naming its service or exercise."""
    return [str(problem) for problem in getattr(exc, "problems", ())] or [str(exc)]


def plural(count: int, word: str) -> str:
    """A count with its noun: "1 service", "3 services", "2 exercises or incidents"."""
    return counted(count, word, PLURALS[word])


def save_register_table(organisation: Organisation, edited: pd.DataFrame) -> None:
    """Check every row of the edited register and replace the stored one with it, or list every problem."""
    renamed = renames(edited)
    try:
        services = register_from_table(table_rows(edited, REGISTER_COLUMNS))
        stored = save_register(db(), organisation.id, services, renamed=renamed)
    except EvidenceFileError as exc:
        show_problems("The register", exc.problems)
        return
    except ServiceRegisterError as exc:
        show_problems("The register", storage_problems(exc))
        return
    except CORE_ERRORS as exc:
        show_error(exc)
        return
    detail = plural(len(stored), "service") + "".join(f"; renamed '{old}' to '{new}'" for old, new in renamed.items())
    record("saved the register", organisation.id, detail)
    saved(f"Saved {detail}.", organisation.id)


def save_log_tables(
    organisation: Organisation, services: Sequence[Service], tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]
) -> None:
    """Check every row of the three edited log tables and replace the stored log with them, or list every problem."""
    exercises, results, findings = tables
    try:
        log = log_from_tables(
            table_rows(exercises, EXERCISE_COLUMNS),
            table_rows(results, RESULT_COLUMNS),
            table_rows(findings, FINDING_COLUMNS),
            [s.name for s in services],
        )
        stored = save_log(db(), organisation.id, log)
    except EvidenceFileError as exc:
        show_problems("The log", exc.problems)
        return
    except ExerciseLogError as exc:
        show_problems("The log", storage_problems(exc))
        return
    except CORE_ERRORS as exc:
        show_error(exc)
        return
    findings = sum(len(e.findings) for e in stored)
    detail = f"{plural(len(stored), 'exercise or incident')}, {counted(findings, 'finding')}"
    record("saved the log", organisation.id, detail)
    saved(f"Saved {detail}.", organisation.id)


def downloads(
    organisation: Organisation, what: str, csv_data: Callable[[], bytes], xlsx_data: Callable[[], bytes]
) -> None:
    """CSV and Excel downloads of the register or the log, each recorded in the audit log when made."""
    base = f"{slug(organisation.name)}-{slug(what)}"
    with st.container(horizontal=True):
        for label, data, suffix, mime, icon in (
            ("CSV", csv_data, "csv", CSV, ":material/csv:"),
            ("Excel", xlsx_data, "xlsx", XLSX, ":material/table_view:"),
        ):
            st.download_button(
                f"Export the {what} ({label})",
                data=audited(data, f"exported the {what} ({label})", organisation.id),
                file_name=f"{base}.{suffix}",
                mime=mime,
                icon=icon,
                on_click="ignore",
                key=f"export-{slug(what)}-{suffix}",
            )


def file_import(
    organisation: Organisation,
    what: str,
    holds: str,
    read: Callable[[bytes, str], Sequence[Service] | Sequence[Exercise]],
    save: Callable[[Sequence[Service] | Sequence[Exercise]], Sequence[object]],
    purpose: str,
) -> None:
    """Import a CSV or Excel file that replaces the register or the log after a confirmation; all or nothing."""
    uploader = f"evidence-{slug(what)}-upload-{organisation.id}"
    upload: UploadedFile | None = st.file_uploader(
        f"Import the {what} from a file (.csv or .xlsx)",
        key=uploader_key(uploader),
        help="The file's columns are described in the README (Service register and exercise log).",
    )
    if upload is None or not right_kind(
        upload, (".csv", ".xlsx"), f"a {what} file", f"export the {what} with the buttons above for the format."
    ):
        return

    def checked(raw: bytes) -> Sequence[Service] | Sequence[Exercise] | EvidenceFileError:
        try:
            return read(raw, upload.name)
        except EvidenceFileError as exc:
            return exc

    found = read_once(upload, f"{purpose}-{organisation.id}", checked)
    if isinstance(found, EvidenceFileError):
        st.error(md(f"{upload.name}: nothing is imported until these problems are fixed in the file."))
        st.dataframe(pd.DataFrame({"Problem": list(found.problems)}), hide_index=True, width="stretch")
        return
    noun = "service" if what == "register" else "exercise or incident"
    st.markdown(md(f"{upload.name}: {plural(len(found), noun)}, every row checked."))
    sure = st.checkbox(
        f"Replace the {holds} now in the {what} with the {plural(len(found), noun)} of this file",
        key=f"{uploader}-sure",
    )
    if not st.button(f"Import the {what}", type="primary", disabled=not sure, key=f"{uploader}-go"):
        return
    try:
        stored = save(found)
    except (ServiceRegisterError, ExerciseLogError) as exc:
        show_problems(f"The {what}", storage_problems(exc))
        return
    except CORE_ERRORS as exc:
        show_error(exc)
        return
    record(f"imported the {what}", organisation.id, f"{plural(len(stored), noun)} from {upload.name}")
    start_editors_afresh(organisation.id)
    finish_import(md(f"Imported {plural(len(stored), noun)} from {upload.name}."), uploader)


def register_section(organisation: Organisation, evidence: Evidence, may_edit: bool, may_export: bool) -> None:
    st.subheader("Service register", anchor=False)
    st.caption(
        "One row per IT service. Times are in hours (0.25 is 15 minutes); an RTO above the MTPD is refused. A "
        "downtime cost needs its currency (EUR, USD...). Depends on (services of this register) and providers are "
        "names separated by ;. Problems name rows counted from the top. Renaming a service here carries its "
        "results in the log and the dependencies on it along."
    )
    frame = register_frame(evidence.services)
    if not may_edit:
        st.dataframe(
            frame, hide_index=True, column_config=REGISTER_CONFIG, column_order=REGISTER_COLUMNS, width="stretch"
        )
    else:
        edited = st.data_editor(
            frame,
            key=editor_key("register", organisation.id),
            num_rows="dynamic",
            hide_index=True,
            column_config=REGISTER_CONFIG,
            column_order=REGISTER_COLUMNS,
            width="stretch",
        )
        if st.button("Save the register", type="primary", icon=":material/save:", key="register-save"):
            save_register_table(organisation, edited)
    if may_export:
        downloads(
            organisation,
            "register",
            lambda: register_csv(evidence.services),
            lambda: register_xlsx(evidence.services),
        )
    if may_edit:
        file_import(
            organisation,
            "register",
            plural(len(evidence.services), "service"),
            read_register,
            lambda services: save_register(db(), organisation.id, services),  # type: ignore[arg-type]
            "register-file",
        )


def log_section(organisation: Organisation, evidence: Evidence, may_edit: bool, may_export: bool) -> None:
    st.subheader("Exercises and incidents", anchor=False)
    st.caption(
        "Each exercise, test or real incident has a ref (E1, E2...); its results per service and its findings name "
        "that ref. Only technical recovery tests, failovers, full-scale exercises and real incidents recover "
        "services, so only they have a recovery time or data loss. Against RTO and RPO show each result against "
        "its service's objectives as saved."
    )
    names = [s.name for s in evidence.services]
    exercises, results, findings = log_frames(evidence)
    configs = (EXERCISE_CONFIG, result_config(names), FINDING_CONFIG)
    titles = ("Exercises and incidents", "Results per service", "Findings")
    if not may_edit:
        for title, frame, config in zip(titles, (exercises, results, findings), configs, strict=True):
            st.markdown(f"**{title}**")
            st.dataframe(frame, hide_index=True, column_config=config, width="stretch")
    else:
        if not names:
            st.info("Results name services of the register: add them to the register first.", icon=":material/info:")
        edited = []
        for name, title, frame, config in zip(
            ("exercises", "results", "findings"), titles, (exercises, results, findings), configs, strict=True
        ):
            st.markdown(f"**{title}**")
            edited.append(
                st.data_editor(
                    frame,
                    key=editor_key(name, organisation.id),
                    num_rows="dynamic",
                    hide_index=True,
                    column_config=config,
                    width="stretch",
                )
            )
        if st.button("Save the log", type="primary", icon=":material/save:", key="log-save"):
            save_log_tables(organisation, evidence.services, (edited[0], edited[1], edited[2]))
    if may_export:
        downloads(
            organisation,
            "log",
            lambda: log_csv(evidence.exercises),
            lambda: log_xlsx(evidence.exercises),
        )
    if may_edit:
        file_import(
            organisation,
            "log",
            plural(len(evidence.exercises), "exercise or incident"),
            lambda raw, name: read_log(raw, name, names),
            lambda log: save_log(db(), organisation.id, log),  # type: ignore[arg-type]
            f"log-file-{'|'.join(names)}",
        )


def assessment_words(assessment: Assessment) -> str:
    status = "in progress" if assessment.status == "in_progress" else "completed"
    return f"{assessment.label} ({assessment.assessment_date:%d %b %Y}, {status})"


def plan_section(organisation: Organisation) -> None:
    """Turn an open finding of the log into a step of the roadmap of one of the organisation's assessments."""
    st.subheader("Findings on the roadmap", anchor=False)
    findings = attempt(lambda: list_findings(db(), organisation.id))
    assessments = attempt(lambda: list_assessments(db(), organisation.id))
    if findings is None or assessments is None:
        return
    planned = [f for f in findings if f.planned_in is not None]
    waiting = [f for f in findings if f.planned_in is None and f.status != "closed"]
    labels = {a.id: a.label for a in assessments}
    if planned:
        st.markdown(
            "\n".join(f"- {md(f.step)} · on the roadmap of {md(labels.get(f.planned_in, '?'))}" for f in planned)
        )
    if not waiting:
        st.caption("No open finding waits for a roadmap step.")
        return
    if not assessments:
        st.info("Start an assessment on the Home page to put findings on its roadmap.", icon=":material/info:")
        return
    st.caption(
        "A step made from a finding starts with its owner, due date and status and is then edited on the Roadmap "
        "page; setting the step in progress or done sets the finding in progress or closed here."
    )
    by_key = {f.key: f for f in waiting}
    key = st.selectbox("Finding", list(by_key), format_func=lambda k: by_key[k].step, key="plan-finding")
    newest = [a for a in assessments if a.status == "in_progress"] or list(assessments)
    ids = [a.id for a in reversed(assessments)]
    by_id = {a.id: a for a in assessments}
    chosen = st.selectbox(
        "Roadmap of the assessment",
        ids,
        index=ids.index(newest[-1].id),
        format_func=lambda i: assessment_words(by_id[i]),
        key="plan-assessment",
    )
    if not st.button("Add to the roadmap", icon=":material/add_task:", key="plan-go") or key is None:
        return
    assessment = by_id[chosen]
    if not may_plan_finding(
        current_actor(), finding_organisation_id=organisation.id, assessment_organisation_id=assessment.organisation_id
    ):
        st.error("You may not plan this organisation's roadmap.", icon=":material/lock:")
        return
    item = attempt(lambda: plan_finding(db(), assessment.id, key, by=current_actor().label))
    if item is None:
        return
    record("planned a finding", organisation.id, f"{assessment.label}: {item.text}")
    saved(f"Added to the roadmap of {assessment.label}: {item.text}", organisation.id)


organisation = chosen_organisation()
if organisation is None or not allowed(Action.VIEW, organisation_id=organisation.id):
    st.title("Evidence", anchor=False)
    st.info(
        "No organisation to show: create one on the Home page, or ask an administrator to assign you one.",
        icon=":material/info:",
    )
    st.page_link(PAGES["home"], label="Go to Home", icon=":material/home:")
    st.stop()
organisation_header("Evidence", organisation)
stored = attempt(lambda: load_evidence(db(), organisation.id))
if stored is None:
    st.stop()
flash = st.session_state.pop(FLASH, None)
if flash is not None:
    st.success(flash, icon=":material/check_circle:")
may_edit = allowed(Action.EDIT_EVIDENCE, organisation_id=organisation.id)
may_export = allowed(Action.EXPORT, organisation_id=organisation.id)
if not may_edit:
    st.caption("Read only: your role may see this organisation's register and log but not change them.")
register_section(organisation, stored, may_edit, may_export)
st.divider()
log_section(organisation, stored, may_edit, may_export)
if allowed(Action.PLAN, organisation_id=organisation.id):
    st.divider()
    plan_section(organisation)
