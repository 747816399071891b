"""The Trends page: scores, stages and targets by period, changes since the previous assessment, the roadmap steps
completed, any two assessments side by side, questions of one questionnaire version only, and nothing of another
organisation's assessments for a consultant who names one in the URL; and the figure builder behind its chart."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from app_runner import new_session, open_page
from streamlit.testing.v1 import AppTest

from access.identity import add_member
from demo.data import load_demo_data
from questionnaires.catalog import EXTRA_DIR_VARIABLE, SHIPPED_DIR, get_questionnaire
from questionnaires.model import Questionnaire
from scoring import Response, domain_trend, score_assessment, target_trend, trend_point
from storage import (
    connect,
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    list_assessments,
    list_organisations,
    save_answer,
    save_roadmap_item,
    set_target,
)
from ui.charts import MODE_BAR_HEIGHT, trend_panels

QUESTIONNAIRE = get_questionnaire("itscm", "2026.1")
DOMAINS = [d.id for d in QUESTIONNAIRE.domains]
SECRET = "Amberquill"  # in organisation A's name and labels: never shown to B's consultant
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "itscm",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
# Level of every question per year and domain: RISK rises, BIA falls, the rest stay at 2 until GOV rises in FY2026.
LEVELS = {
    "FY2024": {"RISK": 1, "BIA": 3, "REC": 2, "TEST": 2, "GOV": 2},
    "FY2025": {"RISK": 2, "BIA": 3, "REC": 2, "TEST": 2, "GOV": 2},
    "FY2026": {"RISK": 3, "BIA": 2, "REC": 2, "TEST": 2, "GOV": 3},
}


def add_year(
    organisation_id: int, label: str, levels: dict[str, int], questionnaire: Questionnaire = QUESTIONNAIRE
) -> int:
    """An assessment dated 31 March of the year the label ends with, every question of a domain answered at its level."""
    db = connect()
    assessment = create_assessment(db, organisation_id, questionnaire, label, date(int(label[-4:]), 3, 31))
    person = get_or_create_respondent(db, assessment.id, "Continuity manager")
    for question in questionnaire.questions:
        save_answer(db, questionnaire, assessment.id, person.id, question.id, levels[question.domain])
    return assessment.id


@pytest.fixture
def three_years(database: Path) -> dict[str, int]:
    """Acme's FY2024-FY2026; FY2026 raises REC's target to 4, and one FY2025 step of TEST is marked done."""
    organisation = create_organisation(connect(), "Acme", "Retail", "250-999 employees", "Europe")
    ids = {label: add_year(organisation.id, label, levels) for label, levels in LEVELS.items()}
    set_target(connect(), QUESTIONNAIRE, ids["FY2026"], "REC", 4)
    save_roadmap_item(connect(), QUESTIONNAIRE, ids["FY2025"], "TEST-01", 3, status="done")
    return ids


def trends(assessment: int) -> AppTest:
    at = open_page("trends", assessment=assessment)
    assert not at.exception
    return at


def chart(at: AppTest) -> dict:
    [spec] = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return spec


def table(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with this column."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def everything_shown(at: AppTest) -> str:
    """Every element's content on the page and in the sidebar, as sent to the browser."""

    def walk(node: object) -> Iterator[object]:
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return "\n".join(str(getattr(node, "proto", "")) for root in (at.main, at.sidebar) for node in walk(root))


def test_the_chart_shows_three_points_of_score_and_stage_per_domain_and_the_targets(three_years):
    at = trends(three_years["FY2026"])
    spec = chart(at)
    traces = {(t["name"], t["meta"]): t for t in spec["data"]}
    for domain_id in ["overall", *DOMAINS]:
        for kind in ("Score", "Stage"):
            assert traces[(kind, domain_id)]["x"] == ["FY2024", "FY2025", "FY2026"], (kind, domain_id)
    assert traces[("Score", "RISK")]["y"] == pytest.approx([1, 2, 3])
    assert traces[("Stage", "BIA")]["y"] == [3, 3, 2]
    # Targets per domain (none for the overall result): REC raised to 4 in FY2026.
    assert {meta for name, meta in traces if name == "Target"} == set(DOMAINS)
    assert traces[("Target", "REC")]["y"] == [3, 3, 4]
    assert traces[("Target", "GOV")]["y"] == [3, 3, 3]
    titles = [a["text"] for a in spec["layout"]["annotations"]]
    assert titles == ["Overall", *(d.name for d in QUESTIONNAIRE.domains)]
    periods = table(at, "Overall stage")
    assert list(periods["Assessment"]) == ["FY2024", "FY2025", "FY2026"]


def test_the_changes_since_the_previous_assessment_are_given_per_domain_and_per_practice(three_years):
    at = trends(three_years["FY2026"])
    assert "Changes since FY2025" in [s.value for s in at.subheader]
    domains = table(at, "Practices improved").set_index("Domain")
    assert domains.loc["Risk assessment", ["Direction", "Stage FY2025", "Stage FY2026"]].tolist() == [
        "↑ improved",
        2,
        3,
    ]
    assert domains.loc["Business impact analysis", "Direction"] == "↓ declined"
    assert domains.loc["Recovery strategies", "Direction"] == "= unchanged"
    risk = len(QUESTIONNAIRE.questions_in("RISK"))
    assert domains.loc["Risk assessment", ["Practices improved", "Practices declined"]].tolist() == [risk, 0]
    assert domains.loc["Overall", "Practices unchanged"] == len(QUESTIONNAIRE.questions_in("REC")) + len(
        QUESTIONNAIRE.questions_in("TEST")
    )
    # Improved and declined practices are listed with the statements of both levels.
    practices = table(at, "Question").set_index("Practice")
    risk01 = QUESTIONNAIRE.question("RISK-01")
    assert practices.loc["RISK-01", ["FY2025", "FY2026", "Direction"]].tolist() == [
        "2 Repeatable",
        "3 Defined",
        "↑ improved",
    ]
    assert practices.loc["RISK-01", "What FY2025's level says"] == risk01.levels[2]
    assert practices.loc["RISK-01", "What FY2026's level says"] == risk01.levels[3]
    assert set(practices["Direction"]) == {"↑ improved", "↓ declined"}
    # Asking for the unchanged practices too lists them.
    show = next(m for m in at.multiselect if m.label == "Show practices that")
    show.set_value(["improved", "declined", "unchanged"]).run()
    assert "= unchanged" in set(table(at, "Question")["Direction"])


def rows_around_download_buttons(at: AppTest) -> dict[str, int]:
    """For each download button, how many horizontal rows (st.container(horizontal=True)) hold it."""
    found: dict[str, int] = {}

    def walk(node: object, rows: int) -> None:
        if type(node).__name__ == "DownloadButton":
            found[node.proto.label] = rows  # type: ignore[attr-defined]
        flex = getattr(getattr(node, "proto", None), "flex_container", None)
        horizontal = type(node).__name__ == "Block" and flex is not None and flex.direction == flex.HORIZONTAL
        for child in getattr(node, "children", {}).values():
            walk(child, rows + horizontal)

    walk(at.main, 0)
    return found


def test_the_download_buttons_sit_as_on_results_with_no_row_inside_a_row(three_years):
    # A row of the report's buttons inside the row of all three shrank them on a phone to "Executive rep…".
    at = trends(three_years["FY2026"])
    assert rows_around_download_buttons(at) == {
        "Excel roadmap workbook": 0,
        "Executive report (Word)": 1,
        "Executive report (PDF)": 1,
    }


def test_the_roadmap_steps_completed_since_the_previous_assessment_are_listed(three_years):
    at = trends(three_years["FY2026"])
    steps = table(at, "How we know").set_index(["Practice", "Step"])
    # FY2025 planned RISK practices from 2 to 3 (reached in FY2026); TEST-01's step to 3 was marked done.
    assert steps.loc[("RISK-01", "to 3 Defined"), "How we know"] == "level reached"
    assert steps.loc[("TEST-01", "to 3 Defined"), "How we know"] == "marked done"
    assert steps.loc[("TEST-01", "to 3 Defined"), "Level FY2025 → FY2026"] == "2 Repeatable → 2 Repeatable"
    assert {practice for practice, _ in steps.index} == {q.id for q in QUESTIONNAIRE.questions_in("RISK")} | {
        q.id for q in QUESTIONNAIRE.questions_in("GOV")
    } | {"TEST-01"}


def test_any_two_assessments_are_shown_side_by_side(three_years):
    at = trends(three_years["FY2026"])
    compare, against = (next(s for s in at.selectbox if s.label == label) for label in ("Compare", "with"))
    # At first the whole span: the first assessment against the one in view.
    assert (compare.value, against.value) == (three_years["FY2024"], three_years["FY2026"])
    side = table(at, "Target FY2024").set_index("Domain")
    assert side.loc["Risk assessment", ["Score FY2024", "Score FY2026", "Direction"]].tolist() == [
        1.0,
        3.0,
        "↑ improved",
    ]
    # A table with an empty level cell holds it as text: st.dataframe would write "None" there.
    assert side.loc["Recovery strategies", ["Target FY2024", "Target FY2026"]].tolist() == ["3", "4"]
    assert side.loc["Overall", ["Target FY2024", "Target FY2026"]].tolist() == ["–", "–"]
    # Picked the other way round, they still read earlier then later.
    compare.set_value(three_years["FY2026"])
    against.set_value(three_years["FY2025"]).run()
    assert not at.exception
    assert not any("Score FY2024" in frame.value.columns for frame in at.dataframe)
    assert [list(frame.value.columns)[1:3] for frame in at.dataframe if "Target FY2025" in frame.value.columns] == [
        ["Score FY2025", "Score FY2026"]
    ] * 2  # the changes since FY2025, and the same two side by side
    # The same assessment twice compares nothing.
    next(s for s in at.selectbox if s.label == "with").set_value(three_years["FY2026"]).run()
    assert "Choose two different assessments to compare." in [i.value for i in at.info]


def test_the_first_assessment_in_view_has_nothing_before_it_and_is_compared_with_the_latest(three_years):
    at = trends(three_years["FY2024"])
    assert any("is the first assessment" in str(i.value) for i in at.info)
    compare, against = (next(s for s in at.selectbox if s.label == label) for label in ("Compare", "with"))
    assert (compare.value, against.value) == (three_years["FY2024"], three_years["FY2026"])


def test_one_assessment_alone_says_what_trends_need(database):
    organisation = create_organisation(connect(), "Solo Ltd", "Retail", "250-999 employees", "Europe")
    at = trends(add_year(organisation.id, "FY2026", LEVELS["FY2026"]))
    [info] = [str(i.value) for i in at.info]
    assert info.startswith("Trends need two or more assessments of Solo Ltd")
    assert "FY2026" in info and "start it on the Home page" in info
    assert not at.get("plotly_chart") and not at.dataframe


@pytest.fixture
def two_versions(database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Version 2099.1 of the shipped questionnaire, in $ITSCM_QUESTIONNAIRES: GOV-14 removed, GOV-15 added, and the
    governance domain renamed with markup in its name; Acme's FY2025 is on 2026.1, FY2026 on 2099.1."""
    folder = tmp_path / "extra" / "itscm-2099.1"
    shutil.copytree(SHIPPED_DIR / "itscm", folder)
    head = folder / "questionnaire.yaml"
    text = head.read_text(encoding="utf-8").replace('version: "2026.1"', 'version: "2099.1"')
    head.write_text(text.replace("name: Governance\n", "name: Governance & <i>oversight</i>\n"), encoding="utf-8")
    governance = folder / "governance.yaml"
    text = governance.read_text(encoding="utf-8")
    assert text.count("id: GOV-14") == 1
    governance.write_text(
        text.replace("id: GOV-14", "id: GOV-15").replace(
            QUESTIONNAIRE.question("GOV-14").text, "Is the continuity programme funded for the next three years?"
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv(EXTRA_DIR_VARIABLE, str(folder.parent))
    newer = get_questionnaire("itscm", "2099.1")
    assert {q.id for q in QUESTIONNAIRE.questions} ^ {q.id for q in newer.questions} == {"GOV-14", "GOV-15"}
    organisation = create_organisation(connect(), "Acme", "Retail", "250-999 employees", "Europe")
    return {
        "FY2025": add_year(organisation.id, "FY2025", LEVELS["FY2025"]),
        "FY2026": add_year(organisation.id, "FY2026", LEVELS["FY2026"], newer),
    }


def test_across_two_questionnaire_versions_the_questions_of_one_version_only_are_listed(two_versions):
    at = trends(two_versions["FY2026"])
    assert "Questions in one version only" in [s.value for s in at.subheader]
    only = table(at, "Found in version").set_index("Question")
    assert only.to_dict("index") == {
        "GOV-14": {
            "Domain": "Governance & <i>oversight</i>",
            "Text": QUESTIONNAIRE.question("GOV-14").text,
            "Found in version": "2026.1",
        },
        "GOV-15": {
            "Domain": "Governance & <i>oversight</i>",
            "Text": "Is the continuity programme funded for the next three years?",
            "Found in version": "2099.1",
        },
    }
    # The other questions compare by their stable ids across the versions.
    show = next(m for m in at.multiselect if m.label == "Show practices that")
    show.set_value(["improved", "new", "dropped"]).run()
    practices = table(at, "Question").set_index("Practice")
    assert practices.loc["GOV-01", "Direction"] == "↑ improved"
    assert (practices.loc["GOV-15", "Direction"], practices.loc["GOV-14", "Direction"]) == ("new", "dropped")
    # The domain's name is shown as text in the chart, never read as markup.
    spec = json.dumps(chart(at))
    assert "Governance &amp; &lt;i&gt;oversight&lt;/i&gt;" in spec and "<i>" not in spec


def test_illustrative_organisations_have_trends_like_any_other(database):
    load_demo_data(connect(), QUESTIONNAIRE)
    organisation = next(o for o in list_organisations(connect()) if o.name == "Kestrel Bay Bank")
    latest = max(list_assessments(connect(), organisation.id), key=lambda a: a.assessment_date)
    at = trends(latest.id)
    assert any("Illustrative demo data" in str(i.value) for i in at.info)
    assert list(table(at, "Overall stage")["Assessment"]) == ["FY2024", "FY2025", "FY2026"]
    # Its FY2026 roadmap has steps marked done.
    assert "marked done" in set(table(at, "How we know")["How we know"])


def trends_as(email: str, **params: int | str) -> AppTest:
    """The Trends page, opened by `email` signed in to a shared installation."""
    at = new_session(**params)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": email}
    at.switch_page("app_pages/trends.py")
    return at.run()


def test_a_consultant_of_another_organisation_naming_this_ones_assessment_in_the_url_sees_nothing_of_it(database):
    db = connect()
    a = create_organisation(db, f"{SECRET} Retail", "Retail", "250-999 employees", "Europe")
    a_ids = [add_year(a.id, f"{SECRET} {label}", LEVELS[label]) for label in ("FY2025", "FY2026")]
    b = create_organisation(db, "Bravo Bank", "Retail", "250-999 employees", "Europe")
    add_year(b.id, "FY2026", LEVELS["FY2026"])
    add_member(db, "consultant-a@example.com", "consultant", [a.id], by="test")
    add_member(db, "consultant-b@example.com", "consultant", [b.id], by="test")
    assert SECRET in everything_shown(trends_as("consultant-a@example.com", assessment=a_ids[1]))
    for params in ({"assessment": a_ids[1]}, {"assessment": a_ids[0], "organisation": a.id}, {"organisation": a.id}):
        at = trends_as("consultant-b@example.com", **params)
        assert not at.exception
        assert SECRET not in everything_shown(at), params


# The figure builder behind the chart (ui.charts.trend_panels)


def test_trend_panels_without_a_questionnaire_name_domains_by_id_and_leave_gaps_where_a_domain_is_missing():
    old = score_assessment(QUESTIONNAIRE, [Response("RISK-01", "r1", 2)])
    new = score_assessment(QUESTIONNAIRE, [Response("RISK-01", "r1", 3), Response("BIA-01", "r1", 4)])
    points = [trend_point("A", date(2025, 1, 1), old), trend_point("B", date(2026, 1, 1), new)]
    fig = trend_panels(domain_trend(points), target_trend(points))
    assert [a.text for a in fig.layout.annotations][:3] == ["Overall", "RISK", "BIA"]
    scores = {t.meta: t for t in fig.data if t.name == "Score"}
    assert list(scores["BIA"].y) == [None, 4.0]
    assert list(scores["RISK"].x) == ["A", "B"]


def test_trend_panels_keep_the_first_rows_titles_below_the_tool_buttons_a_phone_always_shows():
    fig = trend_panels(domain_trend([]), target_trend([]), QUESTIONNAIRE)
    # Panel titles stand just above their plots, in the top margin: it must be taller than the buttons.
    assert fig.layout.margin.t >= MODE_BAR_HEIGHT + 14


def test_trend_panels_with_no_assessments_say_there_is_nothing_to_compare():
    fig = trend_panels(domain_trend([]), target_trend([]), QUESTIONNAIRE)
    assert not fig.data
    assert [a.text for a in fig.layout.annotations] == ["No assessments to compare yet"]


def test_trend_panels_name_the_missing_columns():
    with pytest.raises(ValueError, match="target"):
        trend_panels(domain_trend([]), pd.DataFrame({"label": [], "domain_id": []}))
