"""The executive report: two pages for leadership, as a Word document and a PDF that say the same thing."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from app_runner import open_page
from docx import Document
from sqlite_utils import Database

from evidence.model import Exercise, Service, ServiceResult
from exports.executive_report import (
    ILLUSTRATIVE_NOTE,
    executive_report_docx,
    executive_report_pdf,
    executive_report_pdf_bytes,
    executive_summary,
    fit_two_pages,
    result_rows,
)
from exports.report import load_report, peer_benchmark, planned_roadmap
from questionnaires.catalog import get_questionnaire
from storage import (
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    open_database,
    save_answer,
    save_roadmap_item,
    set_assessment_status,
)
from storage.evidence import save_log, save_register

QUESTIONNAIRE = get_questionnaire("itscm", "2026.1")
QUESTIONS = QUESTIONNAIRE.questions
LOWEST = tuple(q.id for q in QUESTIONS[:5])
"""The five practices answered at level 1: gap 2 to the default target 3, the largest gaps."""
SMALLER_GAP = QUESTIONS[5].id
"""A practice at level 2: gap 1, so not among the five largest."""
HOSTILE_NAME = '<b>Acme & Sons</b> =HYPERLINK("http://x")'
HOSTILE_OWNER = "=cmd|' /C calc'!A0 <font color=red>Ops</font>"
SOFFICE_TIMEOUT = 120


@dataclass(frozen=True)
class Setting:
    """A database with one subject assessment, its previous one, and peers."""

    db: Database
    assessment_id: int
    owners: dict[str, str]
    dates: dict[str, str]


def build(path: Path, *, name: str, peers: int, previous: bool = True, illustrative: bool = False) -> Setting:
    db = open_database(path)
    subject = create_organisation(db, name, "Retail", "250-999 employees", "Europe", illustrative=illustrative)
    if previous:
        before = create_assessment(db, subject.id, QUESTIONNAIRE, "FY2025", date(2025, 1, 1))
        person = get_or_create_respondent(db, before.id, "Manager")
        for question in QUESTIONS:
            save_answer(db, QUESTIONNAIRE, before.id, person.id, question.id, 1)
    now = create_assessment(db, subject.id, QUESTIONNAIRE, "FY2026", date(2026, 1, 1))
    person = get_or_create_respondent(db, now.id, "Manager")
    for question in QUESTIONS:
        level = 1 if question.id in LOWEST else 2 if question.id == SMALLER_GAP else 3
        save_answer(db, QUESTIONNAIRE, now.id, person.id, question.id, level)
    for n in range(peers):
        org = create_organisation(db, f"Peer {n}", "Retail", "250-999 employees", "Europe", illustrative=illustrative)
        assessment = create_assessment(db, org.id, QUESTIONNAIRE, "FY2026", date(2026, 1, 1))
        peer = get_or_create_respondent(db, assessment.id, "Manager")
        save_answer(db, QUESTIONNAIRE, assessment.id, peer.id, QUESTIONS[0].id, 1 + n % 5)
        set_assessment_status(db, assessment.id, "completed")
    owners, dates = {}, {}
    first_phase = [p for p in planned_roadmap(db, load_report(db, now.id)) if p.step.phase_index == 0]
    for index, planned in enumerate(first_phase):
        owner = HOSTILE_OWNER if index == 0 else f"Owner {index}"
        due = date(2026, 3, 1 + index)
        save_roadmap_item(
            db, QUESTIONNAIRE, now.id, planned.step.question_id, planned.step.to_level, owner=owner, due_date=due
        )
        owners[planned.step.action] = owner
        dates[planned.step.action] = due.isoformat()
    return Setting(db, now.id, owners, dates)


def docx_text(data: bytes) -> str:
    """Every paragraph and table cell of a Word document, whitespace collapsed."""
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return " ".join(" ".join(parts).split())


def squeezed(text: str) -> str:
    """Text without whitespace: a narrow PDF column may break a long word over two lines."""
    return "".join(text.split())


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: `make test` installs it (apt-get install poppler-utils).")
    return found


def pdf_text(data: bytes, tmp_path: Path) -> str:
    """The PDF's text in drawing order (each table cell whole), whitespace collapsed."""
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    out = subprocess.run([tool("pdftotext"), "-raw", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def pdf_pages(data: bytes, tmp_path: Path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(data)
    out = subprocess.run([tool("pdfinfo"), str(path)], capture_output=True, text=True, check=True)
    return int(next(line for line in out.stdout.splitlines() if line.startswith("Pages:")).split()[1])


@pytest.fixture(scope="module")
def four_peers(tmp_path_factory: pytest.TempPathFactory) -> Setting:
    return build(tmp_path_factory.mktemp("four") / "four.db", name=HOSTILE_NAME, peers=4)


@pytest.fixture(scope="module")
def five_peers(tmp_path_factory: pytest.TempPathFactory) -> Setting:
    return build(tmp_path_factory.mktemp("five") / "five.db", name="Northwind Retail", peers=5)


@pytest.fixture(scope="module")
def both(five_peers: Setting, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """The five-peer report's text as the Word document and the PDF say it."""
    docx = executive_report_docx(five_peers.db, five_peers.assessment_id)
    pdf = executive_report_pdf(five_peers.db, five_peers.assessment_id)
    return docx_text(docx), pdf_text(pdf, tmp_path_factory.mktemp("text"))


def test_both_formats_open_and_the_pdf_has_one_or_two_pages(five_peers: Setting, tmp_path: Path) -> None:
    docx = executive_report_docx(five_peers.db, five_peers.assessment_id)
    pdf = executive_report_pdf(five_peers.db, five_peers.assessment_id)
    assert Document(io.BytesIO(docx)).paragraphs
    assert pdf.startswith(b"%PDF")
    assert pdf_pages(pdf, tmp_path) in (1, 2)


def test_both_formats_say_the_same_stages_targets_and_gaps(five_peers: Setting, both: tuple[str, str]) -> None:
    report = load_report(five_peers.db, five_peers.assessment_id)
    rows = result_rows(executive_summary(five_peers.db, five_peers.assessment_id))
    assert [row[0] for row in rows] == ["Overall"] + [d.name for d in report.score.domains]
    for text in both:
        for row in rows:
            assert " ".join(row) in text
    for domain, row in zip(report.score.domains, rows[1:], strict=True):
        assert row[1].startswith(str(domain.stage)) and row[2] == str(domain.target)


def test_both_formats_explain_the_five_largest_gaps_with_their_level_statements(both: tuple[str, str]) -> None:
    smaller = next(q for q in QUESTIONS if q.id == SMALLER_GAP)
    for text in both:
        assert "The 5 largest gaps and why they matter" in text
        for question in (q for q in QUESTIONS if q.id in LOWEST):
            assert f"{question.text} ({QUESTIONNAIRE.domain(question.domain).name}): level 1 of target 3, gap 2" in text
            assert f"Now (1 Initial): {question.levels[1]}" in text
            assert f"At target (3 Defined): {question.levels[3]}" in text
        assert smaller.text not in text


def test_both_formats_list_the_first_phase_with_owners_and_dates(five_peers: Setting, both: tuple[str, str]) -> None:
    assert five_peers.owners
    for text in both:
        assert f"First phase of the roadmap ({QUESTIONNAIRE.scoring.phases[0].name})" in text
        for action, owner in five_peers.owners.items():
            assert action in text
            assert squeezed(owner) in squeezed(text)
            assert five_peers.dates[action] in text


def test_both_formats_compare_with_the_previous_assessment(both: tuple[str, str]) -> None:
    for text in both:
        assert "Previous assessment (FY2025): stage 1." in text
        assert "Previous stage: the organisation's previous assessment, FY2025." in text


def test_a_first_assessment_says_there_is_nothing_earlier_to_compare_with(tmp_path: Path) -> None:
    setting = build(tmp_path / "first.db", name="First Ltd", peers=0, previous=False)
    text = docx_text(executive_report_docx(setting.db, setting.assessment_id))
    assert "No previous assessment of this organisation to compare with." in text
    assert "FY2025" not in text


def test_four_peers_give_no_peer_comparison(four_peers: Setting, tmp_path: Path) -> None:
    docx = docx_text(executive_report_docx(four_peers.db, four_peers.assessment_id))
    pdf = pdf_text(executive_report_pdf(four_peers.db, four_peers.assessment_id), tmp_path)
    for text in (docx, pdf):
        assert "No peer comparison (fewer than 5 peers)." in text
        assert "Peer median of" not in text


def test_five_peers_give_the_peer_median(five_peers: Setting, both: tuple[str, str]) -> None:
    result = peer_benchmark(five_peers.db, load_report(five_peers.db, five_peers.assessment_id))
    median = result.figure("overall").median
    assert result.n == 5 and median is not None
    for text in both:
        assert "Peer median of 5 peers" in text
        assert "no peer comparison" not in text.lower()
    overall = result_rows(executive_summary(five_peers.db, five_peers.assessment_id))[0]
    assert overall[-1] == f"{median:.2f}"
    for text in both:
        assert " ".join(overall) in text


def test_a_name_and_an_owner_with_markup_or_formula_like_text_appear_as_text(
    four_peers: Setting, tmp_path: Path
) -> None:
    docx = docx_text(executive_report_docx(four_peers.db, four_peers.assessment_id))
    pdf = pdf_text(executive_report_pdf(four_peers.db, four_peers.assessment_id), tmp_path)
    for text in (docx, pdf):
        assert HOSTILE_NAME in text
        assert squeezed(HOSTILE_OWNER) in squeezed(text)


def test_an_illustrative_organisation_is_marked_in_both_formats(tmp_path: Path) -> None:
    setting = build(tmp_path / "demo.db", name="Demo Ltd", peers=0, illustrative=True)
    assert ILLUSTRATIVE_NOTE in docx_text(executive_report_docx(setting.db, setting.assessment_id))
    assert ILLUSTRATIVE_NOTE in pdf_text(executive_report_pdf(setting.db, setting.assessment_id), tmp_path)


def test_a_real_organisation_is_not_marked_illustrative(both: tuple[str, str]) -> None:
    for text in both:
        assert ILLUSTRATIVE_NOTE not in text


def test_libreoffice_converts_the_docx_to_pdf_without_error(four_peers: Setting, tmp_path: Path) -> None:
    source = tmp_path / "report.docx"
    source.write_bytes(executive_report_docx(four_peers.db, four_peers.assessment_id))
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice is not installed: `make test` installs it (apt-get install libreoffice-writer-nogui).")
    completed = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=SOFFICE_TIMEOUT,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    converted = (tmp_path / "report.pdf").read_bytes()
    assert converted.startswith(b"%PDF")
    assert pdf_pages(converted, tmp_path) in (1, 2)
    assert squeezed(HOSTILE_OWNER) in squeezed(pdf_text(converted, tmp_path))


def test_the_pdf_renders_to_page_images(four_peers: Setting, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(executive_report_pdf(four_peers.db, four_peers.assessment_id))
    subprocess.run([tool("pdftoppm"), "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pdf_pages(pdf.read_bytes(), tmp_path)
    assert all(image.read_bytes().startswith(b"\x89PNG") for image in images)


def test_a_first_phase_too_long_for_two_pages_lists_fewer_steps_and_counts_the_rest(
    five_peers: Setting, tmp_path: Path
) -> None:
    summary = executive_summary(five_peers.db, five_peers.assessment_id)
    long = replace(summary, steps=summary.steps * 6, more_steps=0)
    fitted = fit_two_pages(long)
    assert 0 < len(fitted.steps) < len(long.steps)
    assert fitted.more_steps == len(long.steps) - len(fitted.steps)
    pdf = executive_report_pdf_bytes(fitted)
    assert pdf_pages(pdf, tmp_path) == 2
    assert f"And {fitted.more_steps} more steps in this phase" in pdf_text(pdf, tmp_path)


def test_results_and_roadmap_offer_the_executive_report_in_both_formats(database: Path) -> None:
    setting = build(database, name="Acme", peers=0)
    setting.db.close()
    for page in ("results", "roadmap"):
        at = open_page(page, assessment=setting.assessment_id)
        assert not at.exception
        buttons = {b.proto.label: b.proto for b in at.get("download_button")}
        assert "Excel roadmap workbook" in buttons
        assert buttons["Executive report (Word)"].help.startswith("Two pages")
        assert buttons["Executive report (PDF)"].help.startswith("The same two pages")


def _with_register(setting: Setting) -> None:
    """Payments (RTO 4 h, EUR 1,000 an hour) whose last failover took 9 h, and an uncosted intranet."""
    organisation_id = load_report(setting.db, setting.assessment_id).organisation.id
    save_register(
        setting.db,
        organisation_id,
        [
            Service("Payments", "Owner", "critical", 24.0, 4.0, 1.0, 1000.0, "EUR"),
            Service("Intranet", "Owner", "standard", 168.0, 72.0, 24.0),
        ],
    )
    save_log(
        setting.db, organisation_id, [Exercise(date(2026, 1, 12), "failover", "F", (ServiceResult("Payments", 9.0),))]
    )


def test_both_formats_give_the_score_as_answered_and_as_evidenced_and_the_business_case(tmp_path: Path) -> None:
    setting = build(tmp_path / "costed.db", name="Acme", peers=0)
    _with_register(setting)
    summary = executive_summary(setting.db, setting.assessment_id)
    assert summary.evidenced_note.startswith("As answered: stage 1, score ")
    assert "As evidenced by the service register" in summary.evidenced_note
    assert "Expected yearly downtime exposure: EUR 5,000 across 1 costed service (" in summary.business_case_note
    assert "Not costed: 1 service." in summary.business_case_note
    assert [row[0] for row in summary.business_case_rows] == [p.name for p in QUESTIONNAIRE.scoring.phases]
    docx = docx_text(executive_report_docx(setting.db, setting.assessment_id))
    pdf_data = executive_report_pdf(setting.db, setting.assessment_id)
    pdf = pdf_text(pdf_data, tmp_path)
    for text in (docx, pdf):
        assert squeezed("Expected yearly downtime exposure: EUR 5,000") in squeezed(text)
        assert squeezed(summary.evidenced_note) in squeezed(text)
        assert "Business case" in text
    assert pdf_pages(pdf_data, tmp_path) == 2


def test_with_the_business_case_a_long_first_phase_still_fits_two_pages(tmp_path: Path) -> None:
    setting = build(tmp_path / "long.db", name="Acme", peers=0)
    _with_register(setting)
    summary = executive_summary(setting.db, setting.assessment_id)
    fitted = fit_two_pages(replace(summary, steps=summary.steps * 6, more_steps=0))
    assert fitted.business_case_rows == summary.business_case_rows
    assert pdf_pages(executive_report_pdf_bytes(fitted), tmp_path) == 2


def test_without_a_register_the_report_has_no_business_case(five_peers: Setting, both: tuple[str, str]) -> None:
    summary = executive_summary(five_peers.db, five_peers.assessment_id)
    assert summary.business_case_note == "" and summary.evidenced_note == ""
    assert all("Business case" not in text for text in both)
