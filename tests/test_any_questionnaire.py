"""The engine stays questionnaire-neutral: other scales and shapes run through every page, export and the demo data.

Four questionnaires unlike the shipped one are installed through $ITSCM_QUESTIONNAIRES: a COBIT-style
capability scale from 0 to 5, a four-level scale, a single domain and twelve domains. For each, an
assessment answered across the whole scale (its lowest level included, N/A where allowed) must open on
every page, come out of every export with the questionnaire's own title and level names, and the demo
data must load on it with every level on its scale; no page or file may speak of IT service continuity.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from app_runner import open_page
from docx import Document
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from demo.data import load_demo_data
from exports.benchmark_pack import export_pack
from exports.csv_export import answers_csv, results_csv
from exports.executive_report import executive_report_docx, executive_report_pdf
from exports.json_io import assessment_json, import_assessment
from exports.level_colours import PALETTE, level_colour
from exports.offline import apply_offline_import, offline_workbook, read_offline_workbook
from exports.portfolio import portfolio_rows, portfolio_workbook
from exports.report import load_report
from exports.workbook import workbook_for_assessment
from questionnaires.catalog import EXTRA_DIR_VARIABLE, get_questionnaire
from questionnaires.model import Questionnaire
from storage import (
    close_thread_connections,
    connect,
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    list_answers,
    list_assessments,
    list_organisations,
    list_roadmap_items,
    save_answer,
    set_assessment_status,
)
from ui.session import PAGES

# Words of the shipped questionnaire that must never leak into another questionnaire's pages and files.
FOREIGN = re.compile(r"IT service continuity|ITSCM|continuity|Optimised", re.IGNORECASE)
# Names kept from the app's first questionnaire because files and browsers hold them: the file format
# ids and the browser's unsaved-text guard.
FORMAT_IDS = re.compile(r"itscm-assessment|itscm-offline-questionnaire|itscm_[a-z_]+|__itscmUnsavedGuard")
# The shipped questionnaire is installed too, so Home rightly offers it for a new assessment.
SHIPPED_TITLE = "IT service continuity maturity assessment"


@dataclass(frozen=True)
class Shape:
    """A questionnaire to build: its scale, its domains and how heavy its questions are."""

    id: str
    title: str
    levels: tuple[tuple[int, str], ...]
    domains: tuple[tuple[str, str], ...]
    weights: tuple[int, ...]
    questions_per_domain: int = 2


SHAPES: dict[str, Shape] = {
    "cobit-0-5": Shape(
        "cobitstyle",
        "Process capability review",
        (
            (0, "Incomplete"),
            (1, "Performed"),
            (2, "Managed"),
            (3, "Established"),
            (4, "Predictable"),
            (5, "Optimizing"),
        ),
        (("EDM", "Evaluate, direct and monitor"), ("APO", "Align, plan and organise"), ("DSS", "Deliver and support")),
        (1, 4),
    ),
    "four-levels": Shape(
        "fourlevel",
        "Data stewardship scan",
        ((1, "Beginning"), (2, "Developing"), (3, "Embedded"), (4, "Leading")),
        (("OWN", "Ownership"), ("QUAL", "Data quality")),
        (2, 3),
    ),
    "one-domain": Shape(
        "onedomain",
        "Supplier onboarding check",
        ((1, "Absent"), (2, "Partial"), (3, "Complete")),
        (("SUP", "Supplier onboarding"),),
        (2, 5),
        questions_per_domain=3,
    ),
    "twelve-domains": Shape(
        "twelvedomain",
        "Cloud operations maturity",
        ((1, "Ad hoc"), (2, "Emerging"), (3, "Structured"), (4, "Measured"), (5, "Leading edge")),
        tuple((f"D{n:02d}", f"Cloud area {n}") for n in range(1, 13)),
        (1, 2),
    ),
}


def q(text: str) -> str:
    """A YAML double-quoted string (JSON's quoting is valid YAML)."""
    return json.dumps(text)


def questionnaire_yaml(shape: Shape) -> str:
    """The YAML of `shape`: each question states every level, has an action per step up and one reference."""
    numbers = [number for number, _name in shape.levels]
    lines = [
        f"id: {shape.id}",
        'version: "1.0"',
        f"title: {q(shape.title)}",
        "levels:",
        *(f"  - {{number: {n}, name: {q(name)}, description: {q(f'Stage {n}.')}}}" for n, name in shape.levels),
        "domains:",
        *(f"  - {{id: {d}, name: {q(name)}, description: {q(f'What {name} covers.')}}}" for d, name in shape.domains),
        "standards:",
        "  - {name: House rules, ref_pattern: '^R[0-9]+$'}",
        "questions:",
    ]
    for d, name in shape.domains:
        for index in range(1, shape.questions_per_domain + 1):
            statements = ", ".join(f"{n}: Practice at stage {n}." for n in numbers)
            actions = ", ".join(
                f"{n}: {{action: {q(f'Bring {name} practice {index} to stage {n}.')}, effort: {'SML'[n % 3]}}}"
                for n in numbers[1:]
            )
            lines += [
                f"  - id: {d}-{index:02d}",
                f"    domain: {d}",
                f"    text: {q(f'Is practice {index} of {name} in place?')}",
                "    guidance: Look at what is done, not what is planned.",
                f"    evidence: [{{level: {numbers[-1]}, text: A record of practice {index}.}}, A policy]",
                f"    weight: {shape.weights[(index - 1) % len(shape.weights)]}",
                f"    na_allowed: {'true' if index == 2 else 'false'}",
                f"    levels: {{{statements}}}",
                f"    actions: {{{actions}}}",
                f"    references: [{{standard: House rules, ref: R{index}}}]",
            ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Installed:
    """One questionnaire installed with a database holding two assessments on it and the demo data."""

    shape: Shape
    questionnaire: Questionnaire
    database: Path
    organisation_id: int
    assessment_id: int  # FY2026: two respondents, every level of the scale, N/A where allowed
    earlier_id: int  # FY2025: one respondent, completed


@pytest.fixture(scope="module")
def questionnaire_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("questionnaires")
    for name, shape in SHAPES.items():
        (folder / f"{name}.yaml").write_text(questionnaire_yaml(shape), encoding="utf-8")
    return folder


def answer_across_the_scale(questionnaire: Questionnaire, assessment_id: int, respondent: str, shift: int) -> None:
    """Answer every question, walking through every level of the scale; the second question of a domain is N/A."""
    db = connect()
    person = get_or_create_respondent(db, assessment_id, respondent)
    scale = questionnaire.level_numbers
    for index, question in enumerate(questionnaire.questions):
        if question.na_allowed and shift == 0 and index % 4 == 1:
            save_answer(db, questionnaire, assessment_id, person.id, question.id, None, na=True, comment="Not used")
        else:
            level = scale[(index + shift) % len(scale)]
            save_answer(db, questionnaire, assessment_id, person.id, question.id, level, comment=f"Seen at {level}")


@pytest.fixture(scope="module", params=list(SHAPES))
def installed(
    request: pytest.FixtureRequest, questionnaire_folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Installed]:
    shape = SHAPES[request.param]
    path = tmp_path_factory.mktemp(request.param) / "app.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ITSCM_DB", str(path))
        patch.setenv(EXTRA_DIR_VARIABLE, str(questionnaire_folder))
        questionnaire = get_questionnaire(shape.id, "1.0")
        db = connect()
        organisation = create_organisation(db, "Fjordline Freight", "Retail", "250-999 employees", "Europe")
        earlier = create_assessment(db, organisation.id, questionnaire, "FY2025", date(2025, 3, 31))
        answer_across_the_scale(questionnaire, earlier.id, "First reviewer", 1)
        set_assessment_status(db, earlier.id, "completed")
        latest = create_assessment(db, organisation.id, questionnaire, "FY2026", date(2026, 3, 31))
        answer_across_the_scale(questionnaire, latest.id, "First reviewer", 0)
        answer_across_the_scale(questionnaire, latest.id, "Second reviewer", 2)
        load_demo_data(db, questionnaire)
        yield Installed(shape, questionnaire, path, organisation.id, latest.id, earlier.id)
        close_thread_connections()


def level_names(questionnaire: Questionnaire) -> list[str]:
    return [level.name for level in questionnaire.levels]


def assert_neutral(text: str, where: str) -> None:
    leaked = FOREIGN.search(FORMAT_IDS.sub("", text))
    assert leaked is None, (
        f"{where} says {leaked.group(0)!r}: {text[max(0, leaked.start() - 80) : leaked.end() + 80]!r}"
    )


def shown_text(at: AppTest) -> str:
    """Everything the page put on screen (every element's content, charts' specs included), as text."""
    parts: list[str] = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto).encode().decode("unicode_escape", errors="ignore"))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def run_page(installed: Installed, page: str, assessment_id: int) -> AppTest:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ITSCM_DB", str(installed.database))
        at = open_page(page, assessment=assessment_id, organisation=_organisation_of(installed, assessment_id))
    assert not at.exception, f"{page}: {at.exception}"
    return at


def _organisation_of(installed: Installed, assessment_id: int) -> int:
    db = connect(installed.database)
    return next(o.id for o in list_organisations(db) if assessment_id in {a.id for a in list_assessments(db, o.id)})


# Pages that show the assessment's levels (the others show the questionnaire, people or links only).
PAGES_WITH_LEVELS = {"questionnaire", "results", "roadmap", "trends", "workshop"}


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_shows_the_questionnaires_own_title_and_levels_and_nothing_of_continuity(
    installed: Installed, page: str
) -> None:
    text = shown_text(run_page(installed, page, installed.assessment_id))
    assert_neutral(text.replace(SHIPPED_TITLE, ""), f"the {page} page")
    if page in {"home", *PAGES_WITH_LEVELS}:
        assert installed.questionnaire.title in text
    if page in PAGES_WITH_LEVELS:
        shown = [name for name in level_names(installed.questionnaire) if name in text]
        assert shown, f"the {page} page names none of the levels {level_names(installed.questionnaire)}"


@pytest.mark.parametrize("page", ["results", "roadmap", "workshop", "trends", "benchmark"])
def test_pages_run_on_the_demo_workshop_of_the_questionnaire(installed: Installed, page: str) -> None:
    db = connect(installed.database)
    bank = next(o for o in list_organisations(db) if o.name == "Kestrel Bay Bank")
    latest = max(list_assessments(db, bank.id), key=lambda a: a.assessment_date)
    assert_neutral(shown_text(run_page(installed, page, latest.id)), f"the {page} page on demo data")


def test_every_demo_answer_is_on_the_questionnaires_scale(installed: Installed) -> None:
    db = connect(installed.database)
    scale = set(installed.questionnaire.level_numbers)
    levels: set[int] = set()
    for organisation in list_organisations(db):
        if not organisation.illustrative:
            continue
        for assessment in list_assessments(db, organisation.id):
            answers = list_answers(db, assessment.id)
            levels |= {a.level for a in answers if a.level is not None}
            for answer in answers:
                assert_neutral(f"{answer.comment} {answer.evidence}", f"a demo answer of {organisation.name}")
            for item in list_roadmap_items(db, assessment.id):
                assert item.to_level in scale
                assert_neutral(item.owner, "a demo roadmap owner")
            report = load_report(db, assessment.id)
            for respondent in report.respondents:
                assert_neutral(f"{respondent.name} {respondent.role}", "a demo respondent")
    assert levels <= scale
    assert len(levels) >= min(3, len(scale))


def workbook_text(raw: bytes, *, visible_only: bool = True) -> str:
    workbook = load_workbook(io.BytesIO(raw))
    texts = [f"creator: {workbook.properties.creator} title: {workbook.properties.title}"]
    for sheet in workbook.worksheets:
        if visible_only and sheet.sheet_state != "visible":
            continue
        texts.append(sheet.title)
        texts += [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None]
    return "\n".join(texts)


def test_the_workbook_carries_the_questionnaire_title_and_level_names(installed: Installed) -> None:
    text = workbook_text(workbook_for_assessment(connect(installed.database), installed.assessment_id))
    assert_neutral(text, "the workbook")
    assert f"{installed.questionnaire.title}: Fjordline Freight FY2026" in text
    for name in level_names(installed.questionnaire):
        assert name in text


def test_the_csv_exports_give_levels_on_the_scale(installed: Installed) -> None:
    report = load_report(connect(installed.database), installed.assessment_id)
    answers, results = answers_csv(report), results_csv(report)
    assert_neutral(answers + results, "the CSV exports")
    assert installed.questionnaire.id in answers
    lowest = installed.questionnaire.min_level
    assert f",{lowest}," in answers or f",{lowest}\n" in answers


def test_the_json_export_imports_back_with_identical_scores(installed: Installed) -> None:
    db = connect(installed.database)
    report = load_report(db, installed.assessment_id)
    text = assessment_json(report, list_roadmap_items(db, installed.assessment_id))
    assert_neutral(text, "the JSON export")
    imported = import_assessment(db, json.loads(text), new_name=f"Fjordline copy {installed.shape.id}").assessment
    again = load_report(db, imported.id)
    assert again.score.overall == report.score.overall
    assert [d.stage for d in again.score.domains] == [d.stage for d in report.score.domains]


def test_the_offline_questionnaire_offers_the_scale_and_imports_back(installed: Installed) -> None:
    db = connect(installed.database)
    report = load_report(db, installed.assessment_id)
    person = report.respondents[0]
    raw = offline_workbook(
        db,
        installed.questionnaire,
        organisation_name="Fjordline Freight",
        assessment_label="FY2026",
        assessment_id=installed.assessment_id,
        respondent_name=person.name,
        respondent_id=person.id,
        answers=report.answers_of(person.id),
    )
    text = workbook_text(raw)
    assert_neutral(text, "the offline questionnaire")
    assert installed.questionnaire.title in text
    result = read_offline_workbook(db, raw, installed.questionnaire, assessment_id=installed.assessment_id)
    assert not result.problems
    levels = {row.level for row in result.rows if row.level is not None}
    assert installed.questionnaire.min_level in levels
    assert levels <= set(installed.questionnaire.level_numbers)
    assert any(row.na for row in result.rows)
    assert apply_offline_import(db, installed.questionnaire, installed.assessment_id, person.id, result) == 0


def test_the_executive_report_names_the_questionnaire_in_word_and_pdf(installed: Installed, tmp_path: Path) -> None:
    db = connect(installed.database)
    document = Document(io.BytesIO(executive_report_docx(db, installed.assessment_id)))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    text += f"\n{document.core_properties.title}\n{document.core_properties.author}"
    assert_neutral(text, "the Word report")
    assert installed.questionnaire.title in text
    assert any(name in text for name in level_names(installed.questionnaire))
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(executive_report_pdf(db, installed.assessment_id))
    shown = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert_neutral(shown, "the PDF report")
    assert " ".join(installed.questionnaire.title.split()[:2]) in " ".join(shown.split())


def test_the_benchmark_pack_and_portfolio_carry_the_questionnaire(installed: Installed) -> None:
    db = connect(installed.database)
    pack = export_pack(db)
    assert_neutral(pack.decode(), "the benchmark pack")
    out = io.BytesIO()
    portfolio_workbook(portfolio_rows(db), out)
    text = workbook_text(out.getvalue())
    assert_neutral(text, "the portfolio workbook")
    assert installed.questionnaire.id in text or installed.questionnaire.title in text


def test_the_docx_is_a_zip_with_a_neutral_author(installed: Installed) -> None:
    raw = executive_report_docx(connect(installed.database), installed.assessment_id)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        core = archive.read("docProps/core.xml").decode()
    assert_neutral(core, "the Word report's properties")


# Every size of scale from 2 to 11 levels, at the bottom and at the top of 0..10, and scales with gaps.
SCALES = (
    [tuple(range(count)) for count in range(2, 12)]
    + [tuple(range(11 - count, 11)) for count in range(2, 11)]
    + [(0, 10), (0, 5, 10), (1, 3, 5, 7, 9)]
)


@pytest.mark.parametrize("scale", SCALES, ids=lambda scale: "-".join(map(str, scale)))
def test_level_colours_run_from_red_to_green_and_tell_every_level_apart(scale: tuple[int, ...]) -> None:
    colours = [level_colour(level, scale) for level in scale]
    assert colours[0] == PALETTE[0]
    assert colours[-1] == PALETTE[-1]
    assert len(set(colours)) == len(scale)
