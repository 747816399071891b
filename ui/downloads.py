"""Download buttons shared by the pages; files are made when clicked, on their own connection."""

from __future__ import annotations

import streamlit as st

from exports.report import AssessmentReport
from exports.workbook import workbook_for_assessment
from storage import connect
from ui.access import audited

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def slug(text: str) -> str:
    """A file-name friendly version of a label."""
    kept = "".join(ch if ch.isalnum() else "-" for ch in text)
    return "-".join(part for part in kept.split("-") if part)[:60] or "assessment"


def file_stem(report: AssessmentReport) -> str:
    """The start of every file name exported for an assessment: organisation and label."""
    return slug(f"{report.organisation.name}-{report.assessment.label}")


def workbook_bytes(assessment_id: int) -> bytes:
    """The roadmap workbook of an assessment (runs on the download's own thread, with its own connection)."""
    return workbook_for_assessment(connect(), assessment_id)


def workbook_button(report: AssessmentReport, *, key: str) -> None:
    """The "Excel roadmap workbook" download for one assessment."""
    assessment_id = report.assessment.id
    st.download_button(
        "Excel roadmap workbook",
        data=audited(
            lambda: workbook_bytes(assessment_id),
            "exported the roadmap workbook",
            report.organisation.id,
            f"assessment {assessment_id}",
        ),
        file_name=f"{file_stem(report)}-roadmap.xlsx",
        mime=XLSX,
        icon=":material/table_view:",
        on_click="ignore",
        key=key,
        help="Summary with charts, the roadmap with owners and dates, and every answer.",
    )
