"""A workshop in real browsers: a facilitator and five participants, each in a Chromium context of their own, against
one `streamlit run`.

The questionnaire is a small one (two domains, six questions), so the room's clicks, not the page's size, set the pace.

Facilitated first: the facilitator puts a question to the room, the participants' pages follow by themselves, all
five vote at once, the facilitator's count rises by itself to "5 of 5", nobody sees a vote before the reveal, the
revealed distribution is the levels chosen, and the agreed answer with its rationale is stored. Then a whole domain
is put to the room: all five answer its questions at once, the facilitator's count of answers in rises by itself,
nothing is seen before the reveal, and after it the distribution is the levels chosen. Then self-paced: the
participants' pages follow the switch by themselves and all five answer the remaining questions at once. Every
click must land as the answer of the participant who clicked, none lost or overwritten. Screenshots at 390 px
(facilitator and a participant on a phone) are written next to the database.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from access.links import create_participant_link
from questionnaires.catalog import EXTRA_DIR_VARIABLE
from questionnaires.loader import load_questionnaire
from storage import create_assessment, create_organisation, open_database
from tests.browser_app import running_app, settle
from ui.levels import level_label

pytestmark = pytest.mark.browser

MINI = Path(__file__).resolve().parent / "fixtures" / "mini.yaml"
QUESTIONNAIRE = load_questionnaire(MINI)
# The facilitated vote: the question the page puts to the room first, and each participant's level (1, 3, 3, 4, 5:
# a spread of 4, an open disagreement).
VOTED = QUESTIONNAIRE.questions_in(QUESTIONNAIRE.domains[0].id)[0].id
VOTES = {"Ana Marsh": 1, "Bo Lindqvist": 3, "Cy Okafor": 3, "Dee Varga": 4, "Eli Brandt": 5}
NAMES = tuple(VOTES)
AGREED = 4
RATIONALE = "Exercised twice this year; the method is owned and checked, not yet improved from feedback."
# Then a whole domain put to the room: each participant's level per question (the first question's spread is the
# widest, so the discussion starts there).
ROOM_DOMAIN = QUESTIONNAIRE.domains[1]
DOMAIN_QUESTIONS = tuple(q.id for q in QUESTIONNAIRE.questions_in(ROOM_DOMAIN.id))
DOMAIN_VOTES = {
    (name, question_id): (1 + person if index == 0 else 2 + (person + index) % 2)
    for person, name in enumerate(NAMES)
    for index, question_id in enumerate(DOMAIN_QUESTIONS)
}
# Self-paced afterwards: the questions after the voted one, on the domain a participant's questionnaire opens on.
SELF_PACED = tuple(q.id for q in QUESTIONNAIRE.questions_in(QUESTIONNAIRE.domains[0].id)[1:4])
WAIT_MS = 30_000
FOLLOW_MS = 30_000  # a page that follows by itself: its 3 s refresh plus a rerun, on a busy 2-core machine
PHONE = {"width": 390, "height": 844}
LEVEL_NAMES = re.compile("|".join(re.escape(level.name) for level in QUESTIONNAIRE.levels))


@dataclass(frozen=True)
class Room:
    """The running app, its database, the assessment and each participant's join token."""

    url: str
    database: Path
    assessment_id: int
    tokens: dict[str, str]


@pytest.fixture
def room(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Room]:
    """Acme's FY2026 assessment with a join link for each of five participants, served by `streamlit run`."""
    database = tmp_path / "workshop.db"
    extra = tmp_path / "questionnaires"
    extra.mkdir()
    shutil.copy(MINI, extra / MINI.name)
    monkeypatch.setenv(EXTRA_DIR_VARIABLE, str(extra))
    with closing(open_database(database)) as db:
        org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
        assessment = create_assessment(db, org.id, QUESTIONNAIRE, "FY2026", date(2026, 3, 1))
        tokens = {name: create_participant_link(db, assessment.id, name, created_by="test")[0] for name in NAMES}
    with running_app(database, environment={EXTRA_DIR_VARIABLE: str(extra)}) as url:
        yield Room(url, database, assessment.id, tokens)


def stored_levels(database: Path, question_ids: Iterable[str]) -> list[tuple[str, str, int | None]]:
    """Every stored answer to the questions, as (respondent's name, question, level), sorted."""
    ids = list(question_ids)
    conn = open_database(database)
    try:
        rows = conn.execute(
            "SELECT r.name, a.question_id, a.level FROM answers a JOIN respondents r ON r.id = a.respondent_id "
            f"WHERE a.question_id IN ({', '.join('?' * len(ids))})",  # placeholders only
            ids,
        ).fetchall()
    finally:
        conn.close()
    return sorted(rows)


def stored_consensus(database: Path, question_id: str) -> tuple[int | None, int, str, str] | None:
    conn = open_database(database)
    try:
        return conn.execute(
            "SELECT level, na, note, set_by FROM consensus WHERE question_id = ?", [question_id]
        ).fetchone()
    finally:
        conn.close()


def wait_until_stored(page: Page, database: Path, question_ids: Iterable[str], count: int) -> None:
    """Wait until `count` answers to the questions are stored (the saves run on the server after the clicks)."""
    ids = list(question_ids)
    for _ in range(150):
        if len(stored_levels(database, ids)) >= count:
            return
        page.wait_for_timeout(100)


def question(page: Page, question_id: str) -> Locator:
    return page.locator(f".st-key-question-{question_id}")


def level_pattern(question_id: str, level: int) -> re.Pattern[str]:
    """Match a level's text in one question, with the start of that question's own statement.

    Right after the page changes, a block it showed before can stay on screen for a moment beside the new one;
    with the statement in the pattern, the old block never matches.
    """
    name = QUESTIONNAIRE.level(level).name
    statement = QUESTIONNAIRE.question(question_id).levels[level][:25]
    return re.compile(rf"^{level} {re.escape(name)} · {re.escape(statement)}")


def level_text(page: Page, question_id: str, level: int) -> Locator:
    """A level's text in a question: clicked as a person does (the radio button itself is drawn over)."""
    return question(page, question_id).get_by_text(level_pattern(question_id, level))


def level_option(page: Page, question_id: str, level: int) -> Locator:
    return question(page, question_id).get_by_role("radio", name=level_pattern(question_id, level))


def levels_beside_names(page: Page, names: Iterable[str]) -> list[str]:
    """The lines of what the page shows that put a participant's name beside a level name: a vote on show."""
    return [
        line
        for line in page.inner_text("body").splitlines()
        if any(name in line for name in names) and LEVEL_NAMES.search(line)
    ]


def charts(page: Page) -> Locator:
    return page.get_by_test_id("stPlotlyChart")


def assert_no_vote_shown(facilitator: Page, participants: dict[str, Page], *, first: bool = True) -> None:
    """Nobody's level is on any screen: no chart, no name beside a level, no participant's page naming another.

    After the first reveal (`first` False) the facilitator's page may discuss that revealed question: one chart, and
    the question picked for discussion is none of the open domain's.
    """
    if first:
        assert charts(facilitator).count() == 0, "the facilitator's page shows a vote chart before the reveal"
    else:
        assert charts(facilitator).count() <= 1, "the facilitator's page shows the open domain's vote charts"
        picker = facilitator.get_by_test_id("stSelectbox").filter(has_text="Question to discuss").inner_text()
        assert [q for q in DOMAIN_QUESTIONS if q in picker] == [], "a question of the open domain is discussed"
    assert levels_beside_names(facilitator, NAMES) == []
    if first:
        # Before the first reveal the facilitator's page has no level name at all (no agreed answer, no medians).
        content = facilitator.content()
        labels = [level_label(QUESTIONNAIRE, level) for level in sorted(set(VOTES.values()))]
        shown = [label for label in labels if label in content]
        assert shown == [], f"the facilitator's page shows {shown} before the reveal"
    for name, page in participants.items():
        others = [other for other in NAMES if other != name]
        assert charts(page).count() == 0, f"{name}'s page shows a vote chart"
        assert [other for other in others if other in page.content()] == [], f"{name}'s page names other participants"
        assert levels_beside_names(page, others) == []


CONTENT_HEIGHT = """() => Math.max(
    ...Array.from(document.querySelectorAll('[data-testid=stMain], [data-testid=stMainBlockContainer]'), e => e.scrollHeight)
)"""


def drawn(page: Page) -> None:
    """Wait until the run is over and no element is still a grey placeholder (what a screenshot must not catch)."""
    settle(page)
    page.wait_for_function("() => !document.querySelector('[data-testid=stSkeleton]')", timeout=WAIT_MS)


def observe(browser: object, address: str, shown: str, path: Path) -> None:
    """Screenshot a whole page at 390 px from a context of its own (a second device), so no live page is resized."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto(address)
        page.get_by_text(shown).first.wait_for(timeout=WAIT_MS)
        drawn(page)
        # The app scrolls inside its main section: the viewport is made as tall as what it holds (a few steps, as
        # a taller viewport may draw more), up to 8,000 px.
        for _ in range(3):
            height = min(max(int(page.evaluate(CONTENT_HEIGHT)), PHONE["height"]), 8000)
            if height == page.viewport_size["height"]:  # type: ignore[index]
                break
            page.set_viewport_size({"width": PHONE["width"], "height": height})
            drawn(page)
        page.screenshot(path=str(path))
    finally:
        context.close()


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option of a select box as a person does: scroll to it, then open it and click the option.

    Its list closes when the page scrolls under it, so the scroll is over before the click.
    """
    box = page.get_by_role("combobox", name=label)
    box.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box.click()
    page.get_by_role("option", name=option).click()


def follows(page: Page, shown: Locator, shot: Path) -> None:
    """Wait until a page shows `shown` by itself (it follows the facilitator); on a timeout keep a screenshot."""
    try:
        shown.wait_for(timeout=FOLLOW_MS)
    except Exception:
        page.screenshot(path=str(shot), full_page=True)
        raise


def answers_in(page: Page) -> int:
    """The facilitator's count of answers in on the open domain ("12 of 15 answers in")."""
    text = page.get_by_text(re.compile(r"^\d+ of \d+ answers in$")).inner_text(timeout=WAIT_MS)
    return int(text.split()[0])


def voted_count(page: Page) -> int:
    text = page.get_by_text(re.compile(r"^\d+ of 5 have voted$")).inner_text(timeout=WAIT_MS)
    return int(text.split()[0])


def test_a_room_of_five_votes_at_once_and_every_answer_lands_under_its_participant_unseen_until_revealed(
    browser: object, room: Room
) -> None:
    shots = room.database.parent
    contexts = []
    try:
        owner = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        contexts.append(owner)
        facilitator = owner.new_page()
        facilitator.goto(f"{room.url}/workshop?assessment={room.assessment_id}")
        facilitator.get_by_text("Way of voting").wait_for(timeout=WAIT_MS)
        settle(facilitator)
        facilitator.get_by_text("Facilitated", exact=True).click()
        settle(facilitator)

        participants: dict[str, Page] = {}
        for index, name in enumerate(NAMES):
            # The first participant is on a phone; the others on laptops.
            options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if index == 0 else {}
            context = browser.new_context(**options)  # type: ignore[attr-defined]
            contexts.append(context)
            participants[name] = context.new_page()
            participants[name].goto(f"{room.url}/?join={room.tokens[name]}")
        for page in participants.values():
            page.get_by_text("Waiting for the facilitator to open the next question").wait_for(timeout=WAIT_MS)

        # The facilitator puts the first question to the room; each participant's page follows by itself.
        facilitator.get_by_role("button", name="Put it to the room").click()
        settle(facilitator)
        assert voted_count(facilitator) == 0
        for page in participants.values():
            follows(page, question(page, VOTED), shots / "not-following-the-open.png")
            settle(page)

        # All five vote at once: the clicks go out back to back, each page's save running while the others' do.
        for name, page in participants.items():
            level_text(page, VOTED, VOTES[name]).click()
        # The facilitator's count rises by itself (nothing is clicked on that page) up to 5 of 5.
        counts = [voted_count(facilitator)]
        for _ in range(100):
            if counts[-1] == len(NAMES):
                break
            facilitator.wait_for_timeout(200)
            counts.append(voted_count(facilitator))
        assert counts[-1] == len(NAMES), f"the facilitator's count went {counts}"
        assert counts == sorted(counts)
        for page in participants.values():
            settle(page)
        assert stored_levels(room.database, [VOTED]) == sorted((name, VOTED, level) for name, level in VOTES.items())
        for name, page in participants.items():
            expect(level_option(page, VOTED, VOTES[name])).to_be_checked()
            expect(question(page, VOTED).get_by_text(re.compile("Saved"))).to_be_visible()

        assert_no_vote_shown(facilitator, participants)
        workshop_page = f"{room.url}/workshop?assessment={room.assessment_id}"
        observe(browser, f"{room.url}/?join={room.tokens[NAMES[0]]}", "Saved", shots / "participant-voting-390.png")
        observe(browser, workshop_page, "5 of 5 have voted", shots / "facilitator-hidden-390.png")

        facilitator.get_by_role("button", name="Reveal the votes").click()
        settle(facilitator)
        chart = charts(facilitator)
        chart.locator(".js-plotly-plot").wait_for(timeout=WAIT_MS)
        bars = chart.locator(".js-plotly-plot").evaluate("plot => Array.from(plot.data[0].y)")
        assert bars == [sum(level == n for level in VOTES.values()) for n in QUESTIONNAIRE.level_numbers]
        expect(facilitator.get_by_text(f"{len(NAMES)} votes · lower median 3 Defined · spread 4")).to_be_visible()
        for name, page in participants.items():
            # The reveal reaches each participant by itself: the vote is frozen, nobody else's shown.
            follows(page, page.get_by_text("The votes are revealed"), shots / f"not-following-the-reveal-{name}.png")
            settle(page)
            expect(level_option(page, VOTED, VOTES[name])).to_be_disabled()
            assert charts(page).count() == 0
            assert [other for other in NAMES if other != name and other in page.content()] == []
        observe(browser, workshop_page, "Agreed answer", shots / "facilitator-revealed-390.png")

        choose(facilitator, "Agreed answer", level_label(QUESTIONNAIRE, AGREED))
        facilitator.get_by_label("Rationale").fill(RATIONALE)
        facilitator.get_by_role("button", name="Agree this answer").click()
        settle(facilitator)
        expect(facilitator.get_by_text(f"{VOTED} {level_label(QUESTIONNAIRE, AGREED)}: {RATIONALE}")).to_be_visible()
        assert stored_consensus(room.database, VOTED) == (AGREED, 0, RATIONALE, "owner (personal mode)")
        for page in participants.values():
            follows(
                page,
                page.get_by_text("Waiting for the facilitator to open the next question"),
                shots / "not-following-the-close.png",
            )

        # A whole domain put to the room: all five answer its questions at once, unseen until the reveal.
        facilitator.get_by_role("tab", name="A whole domain at once").click()
        choose(facilitator, "Domain to put to the room", f"{ROOM_DOMAIN.name} ({len(DOMAIN_QUESTIONS)} questions)")
        facilitator.get_by_role("button", name="Put the whole domain to the room").click()
        settle(facilitator)
        for page in participants.values():
            follows(page, question(page, DOMAIN_QUESTIONS[-1]), shots / "not-following-the-domain.png")
            settle(page)
        for question_id in DOMAIN_QUESTIONS:
            for name, page in participants.items():
                level_text(page, question_id, DOMAIN_VOTES[name, question_id]).click()
        expected = len(DOMAIN_VOTES)
        counts = [answers_in(facilitator)]
        for _ in range(150):
            if counts[-1] == expected:
                break
            facilitator.wait_for_timeout(200)
            counts.append(answers_in(facilitator))
        assert counts[-1] == expected, f"the facilitator's count of answers in went {counts}"
        assert stored_levels(room.database, DOMAIN_QUESTIONS) == sorted(
            (*key, level) for key, level in DOMAIN_VOTES.items()
        )
        for page in participants.values():
            settle(page)
        assert_no_vote_shown(facilitator, participants, first=False)
        facilitator.get_by_role("button", name="Reveal the domain").click()
        settle(facilitator)
        for name, page in participants.items():
            follows(page, page.get_by_text("The answers to this domain are revealed"), shots / f"domain-{name}.png")
            assert charts(page).count() == 0
        # The domain's discussion (the first chart, above the earlier question's) starts with the widest spread: the
        # domain's first question, one participant at each level.
        plot = charts(facilitator).first.locator(".js-plotly-plot")
        plot.wait_for(timeout=WAIT_MS)
        bars = plot.evaluate("plot => Array.from(plot.data[0].y)")
        first = [DOMAIN_VOTES[name, DOMAIN_QUESTIONS[0]] for name in NAMES]
        assert bars == [sum(level == n for level in first) for n in QUESTIONNAIRE.level_numbers]
        observe(browser, workshop_page, "the whole domain", shots / "facilitator-domain-revealed-390.png")
        facilitator.get_by_role("button", name="Close the domain").click()
        settle(facilitator)
        for page in participants.values():
            follows(
                page,
                page.get_by_text("Waiting for the facilitator to open the next question"),
                shots / "not-following-the-domain-close.png",
            )

        # Self-paced: the participants' pages follow the switch by themselves and all five answer the remaining
        # questions at once, each at their own pace (a participant's clicks go out without waiting for the last save).
        facilitator.get_by_text("Self-paced", exact=True).click()
        settle(facilitator)
        for page in participants.values():
            follows(page, question(page, SELF_PACED[0]), shots / "not-following-self-paced.png")
            settle(page)
        chosen = {
            (name, question_id): 1 + (person + index) % 5
            for person, name in enumerate(NAMES)
            for index, question_id in enumerate(SELF_PACED)
        }
        for question_id in SELF_PACED:
            for name, page in participants.items():
                level_text(page, question_id, chosen[name, question_id]).click()
        wait_until_stored(facilitator, room.database, SELF_PACED, len(chosen))
        assert stored_levels(room.database, SELF_PACED) == sorted((*key, level) for key, level in chosen.items())
        for name, page in participants.items():
            settle(page)
            for question_id in SELF_PACED:
                expect(level_option(page, question_id, chosen[name, question_id])).to_be_checked()
        # The facilitated votes stand as they were.
        assert stored_levels(room.database, [VOTED]) == sorted((name, VOTED, level) for name, level in VOTES.items())
        assert stored_levels(room.database, DOMAIN_QUESTIONS) == sorted(
            (*key, level) for key, level in DOMAIN_VOTES.items()
        )
        observe(browser, f"{room.url}/?join={room.tokens[NAMES[0]]}", "Saved", shots / "participant-self-paced-390.png")
    finally:
        for context in contexts:
            context.close()
