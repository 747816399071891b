"""Download buttons shared by the pages; files are made when clicked, on their own connection."""

from __future__ import annotations

import streamlit as st

from exports.executive_report import executive_report_docx, executive_report_pdf
from exports.report import AssessmentReport
from exports.workbook import workbook_for_assessment
from storage import connect
from ui.access import audited

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


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


def report_docx_bytes(assessment_id: int) -> bytes:
    """The executive report as Word (runs on the download's own thread, with its own connection)."""
    return executive_report_docx(connect(), assessment_id)


def report_pdf_bytes(assessment_id: int) -> bytes:
    """The executive report as PDF (runs on the download's own thread, with its own connection)."""
    return executive_report_pdf(connect(), assessment_id)


def report_buttons(report: AssessmentReport, *, key: str) -> None:
    """The executive report downloads for one assessment: an editable Word document and a PDF, side by side."""
    assessment_id = report.assessment.id
    organisation_id = report.organisation.id
    detail = f"assessment {assessment_id}"
    with st.container(horizontal=True):
        st.download_button(
            "Executive report (Word)",
            data=audited(
                lambda: report_docx_bytes(assessment_id),
                "exported the executive report (Word)",
                organisation_id,
                detail,
            ),
            file_name=f"{file_stem(report)}-executive-report.docx",
            mime=DOCX,
            icon=":material/description:",
            on_click="ignore",
            key=f"{key}-docx",
            help="Two pages for leadership to edit: stages against targets, the largest gaps, the first phase.",
        )
        st.download_button(
            "Executive report (PDF)",
            data=audited(
                lambda: report_pdf_bytes(assessment_id), "exported the executive report (PDF)", organisation_id, detail
            ),
            file_name=f"{file_stem(report)}-executive-report.pdf",
            mime=PDF,
            icon=":material/picture_as_pdf:",
            on_click="ignore",
            key=f"{key}-pdf",
            help="The same two pages as a PDF, ready for the board pack.",
        )
