"""Sign-in, roles and participant links in Chromium against the real app: a consultant signs in through the mock
provider and sees nothing of another organisation whatever URL they type; a first administrator adds a viewer and
finds it in the audit log; a participant link opens one questionnaire and nothing else, until it is withdrawn or
expires.

Two app processes serve the whole file: one with sign-in (the mock provider; boss@example.com a first administrator
through ITSCM_ADMINISTRATORS) and one in personal mode, each on a database of its own. Every test uses a browser
context of its own, so no sign-in carries over.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from access.identity import add_member
from access.links import create_participant_link, revoke_participant_link
from questionnaires.catalog import get_questionnaire
from storage import (
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    open_database,
    save_answer,
    write_transaction,
)
from storage.records import ParticipantLink
from storage.users import get_user_by_email
from tests.browser_app import running_app, settle
from tests.oidc_provider import running_app_with_sign_in, running_oidc_provider, sign_in, sign_out, wait_for_app_run
from ui.text import WORD_JOINER

pytestmark = pytest.mark.browser

QUESTIONNAIRE = get_questionnaire("itscm", "2026.1")
SECRET_OF_B = "Bravoquartz"  # in B's name, labels, respondents and comments: never shown to A's people
CONSULTANT = "consultant@example.com"
ADMINISTRATOR = "boss@example.com"
WAIT_MS = 30_000


@dataclass(frozen=True)
class Installation:
    """A database with organisations A and B, and the address of the app serving it."""

    database: Path
    a_org: int
    a_assessment: int
    a_respondent: int  # "Alpha manager", who answered RISK-01 with 5
    b_org: int
    b_assessment: int
    b_respondent: int
    url: str = ""


def installation(database: Path) -> Installation:
    """Alpha Retail (A) and Bravoquartz Bank (B), one assessment each with one respondent's answers; a consultant of A."""
    with closing(open_database(database)) as db:
        ids = {}
        for name in ("Alpha Retail", f"{SECRET_OF_B} Bank"):
            word = name.split()[0]
            org = create_organisation(db, name, "Retail", "250-999 employees", "Europe")
            assessment = create_assessment(db, org.id, QUESTIONNAIRE, f"FY2026 {word}", date(2026, 3, 1))
            respondent = get_or_create_respondent(db, assessment.id, f"{word} manager")
            save_answer(db, QUESTIONNAIRE, assessment.id, respondent.id, "RISK-01", 5, comment=f"{word} manager's note")
            ids[word] = (org.id, assessment.id, respondent.id)
        add_member(db, CONSULTANT, "consultant", [ids["Alpha"][0]], by="test")
    return Installation(database, *ids["Alpha"], *ids[SECRET_OF_B])


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    """The app with sign-in configured, serving its own installation."""
    inst = installation(tmp_path_factory.mktemp("shared") / "access.db")
    environment = {"ITSCM_ADMINISTRATORS": f"someone@example.com, {ADMINISTRATOR.upper()}"}
    with (
        running_oidc_provider() as issuer,
        running_app_with_sign_in(inst.database, issuer, environment=environment) as url,
    ):
        yield replace(inst, url=url)


@pytest.fixture(scope="module")
def personal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    """The app in personal mode (loopback, no sign-in), serving its own installation."""
    inst = installation(tmp_path_factory.mktemp("personal") / "access.db")
    with running_app(inst.database) as url:
        yield replace(inst, url=url)


@pytest.fixture
def page(browser: object) -> Iterator[Page]:
    """A page in a browser context of its own: no cookie from another test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    yield context.new_page()
    context.close()


def shown(page: Page) -> str:
    """Everything the browser holds, collapsed expanders and closed menus included."""
    return page.content()


def open_at(page: Page, address: str, expected: Locator | None = None) -> None:
    """Open `address` in a new session and wait until its run is over (and `expected` is there)."""
    page.goto(address)
    if expected is not None:
        expected.first.wait_for(timeout=WAIT_MS)
    wait_for_app_run(page)
    settle(page)


def select_options(page: Page, label: str) -> list[str]:
    """The options of a select box, as its menu lists them."""
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    options = page.get_by_role("option")
    options.first.wait_for(timeout=WAIT_MS)
    texts = [text.strip() for text in options.all_inner_texts()]
    page.keyboard.press("Escape")
    return texts


def choose(page: Page, widget: Locator, option: str) -> None:
    """Choose an option of a select box or multiselect (`widget`) with the keyboard, as a person would.

    Typing filters the menu and Enter takes the option the menu has focused. On this busy machine the menu
    sometimes closes and empties while it opens, so a choice that did not take is made again.
    """
    box = widget.get_by_role("combobox")
    multiple = widget.get_attribute("data-testid") == "stMultiSelect"
    for _attempt in range(5):
        box.fill(option)
        wanted = page.get_by_role("option", name=option, exact=True)
        try:
            wanted.wait_for(timeout=10_000)
            if box.get_attribute("aria-activedescendant") != wanted.get_attribute("id"):
                box.press("ArrowDown")
            box.press("Enter")
            if multiple:
                expect(widget).to_contain_text(option, timeout=5_000)
            else:
                expect(box).to_have_attribute("aria-expanded", "false", timeout=5_000)
                expect(box).to_have_value(option, timeout=5_000)
        except (AssertionError, PlaywrightTimeoutError):
            # Close whatever menu is left open, and let the page finish its rerun before trying again.
            box.press("Escape")
            settle(page)
            continue
        return
    raise AssertionError(f"{option!r} could not be chosen in {widget}")


def table_rows(frame: Locator, holding: str) -> list[dict[str, str]]:
    """The rows of an st.dataframe once one of them holds `holding`, read from the grid's accessible table.

    The grid draws its cells on a canvas; the table beside it follows a moment later.
    """
    frame.locator("table tbody tr", has_text=holding).first.wait_for(state="attached", timeout=WAIT_MS)
    header = [cell.strip() for cell in frame.locator("table thead th").all_inner_texts()]
    return [
        dict(zip(header, [cell.strip() for cell in row.locator("td").all_inner_texts()], strict=True))
        for row in frame.locator("table tbody tr").all()
    ]


def question(page: Page, question_id: str) -> Locator:
    return page.locator(f".st-key-question-{question_id}")


def level_option(page: Page, question_id: str, level: int) -> Locator:
    name = QUESTIONNAIRE.level(level).name
    return question(page, question_id).get_by_role("radio", name=re.compile(rf"^{level} {name} · "))


def choose_level(page: Page, question_id: str, level: int) -> None:
    """Click a level's text, as a person does (the radio button itself is drawn over)."""
    name = QUESTIONNAIRE.level(level).name
    question(page, question_id).get_by_text(re.compile(rf"^{level} {name} · ")).click()


def domains_offered(page: Page) -> list[str]:
    """The names of the domains the questionnaire's domain control offers, without their progress counts."""
    buttons = page.get_by_test_id("stButtonGroup").get_by_role("radio")
    buttons.first.wait_for(timeout=WAIT_MS)  # drawn once the run is over, a moment after the questions
    return [re.sub(r" \(\d+/\d+\).*$", "", text.strip()) for text in buttons.all_inner_texts()]


def stored_answers(database: Path, assessment_id: int, question_id: str) -> dict[int, int | None]:
    """Each respondent's stored level for one question: {respondent id: level}."""
    conn = open_database(database)
    try:
        rows = conn.execute(
            "SELECT respondent_id, level FROM answers WHERE assessment_id = ? AND question_id = ?",
            [assessment_id, question_id],
        ).fetchall()
    finally:
        conn.close()
    return dict(rows)


def make_link(inst: Installation, respondent: str, **options: object) -> tuple[str, ParticipantLink]:
    """A participant link for a respondent of A's assessment: (token, stored link)."""
    with closing(open_database(inst.database)) as db:
        return create_participant_link(db, inst.a_assessment, respondent, created_by="test", **options)  # type: ignore[arg-type]


def withdraw(inst: Installation, link_id: int) -> None:
    with closing(open_database(inst.database)) as db:
        revoke_participant_link(db, link_id, by="test")


def expire(database: Path, link_id: int) -> None:
    """Move a link's expiry to yesterday, as if its day had passed (the app reads the real clock)."""
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="microseconds")
    with closing(open_database(database)) as db, write_transaction(db):
        db.execute("UPDATE participant_links SET expires_at = ? WHERE id = ?", [yesterday, link_id])


def signed_in_as(email: str) -> re.Pattern[str]:
    """The sidebar's "Signed in as" line (shown text keeps an invisible word joiner after the @: no mail link)."""
    name, domain = email.split("@")
    return re.compile(rf"Signed in as {re.escape(name)}@{WORD_JOINER}?{re.escape(domain)}")


def assert_nothing_of_b(page: Page, where: str) -> None:
    assert SECRET_OF_B not in shown(page), f"{where} shows something of organisation B"
    assert SECRET_OF_B not in page.locator("body").inner_text(), where


def test_a_consultant_signs_in_sees_only_their_organisation_and_nothing_of_b_whatever_the_url_says(
    page: Page, shared: Installation
) -> None:
    inst = shared
    url = inst.url
    sign_in(page, url, CONSULTANT)
    expect(page.get_by_role("heading", name="Assessments of Alpha Retail")).to_be_visible()
    assert select_options(page, "Organisation") == ["Alpha Retail"]
    assert_nothing_of_b(page, "Home")

    page.reload()
    page.get_by_role("heading", name="Assessments of Alpha Retail").wait_for(timeout=WAIT_MS)
    expect(page.get_by_text(signed_in_as(CONSULTANT))).to_be_visible()
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_have_count(0)

    for address in (
        f"/results?assessment={inst.b_assessment}",
        f"/questionnaire?assessment={inst.b_assessment}&organisation={inst.b_org}",
    ):
        open_at(page, url + address, page.get_by_text(f"Assessment {inst.b_assessment} does not exist"))
        assert_nothing_of_b(page, address)
        page.screenshot(path=str(inst.database.with_name(f"consultant-{address[1:].split('?')[0]}.png")))

    open_at(page, f"{url}/admin", page.get_by_text("Page not found"))
    expect(page.get_by_role("heading", name="Admin")).to_have_count(0)
    assert "Users and roles" not in shown(page) and "Audit log" not in shown(page)
    expect(page.get_by_test_id("stSidebarNav").get_by_role("link", name="Admin")).to_have_count(0)
    assert_nothing_of_b(page, "/admin")

    page.keyboard.press("Escape")
    sign_out(page, url)
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_text("Sign in with your organisation's account")).to_be_visible()
    open_at(page, f"{url}/results?assessment={inst.a_assessment}", page.get_by_role("button", name="Sign in"))
    assert "Alpha" not in shown(page) and SECRET_OF_B not in shown(page)


def test_a_first_administrator_sees_every_organisation_adds_a_viewer_and_finds_both_in_the_audit_log(
    page: Page, shared: Installation
) -> None:
    inst = shared
    url = inst.url
    sign_in(page, url, ADMINISTRATOR)
    expect(page.get_by_text(signed_in_as(ADMINISTRATOR))).to_contain_text("(administrator)")
    assert select_options(page, "Organisation") == ["Alpha Retail", f"{SECRET_OF_B} Bank"]

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Admin").click()
    # The audit log's last line ends the page: once it is there, no field is replaced while being filled.
    page.get_by_text(re.compile(r"^The newest \d+ entries")).wait_for(state="attached", timeout=WAIT_MS)
    wait_for_app_run(page)
    settle(page)
    page.get_by_text("Add a person", exact=True).click()
    page.get_by_label("E-mail address (as the identity provider gives it)").fill("viewer@example.com")
    form = page.get_by_test_id("stForm").filter(has_text="E-mail address")
    choose(page, form.get_by_test_id("stSelectbox").filter(has_text="Role"), "viewer")
    organisations = form.get_by_test_id("stMultiSelect")
    choose(page, organisations, "Alpha Retail")
    organisations.get_by_role("combobox").press("Escape")
    form.get_by_role("button", name="Add", exact=True).click()
    settle(page)
    users = table_rows(page.get_by_test_id("stDataFrame").first, "viewer@example.com")
    assert {"E-mail": "viewer@example.com", "Role": "viewer", "Organisations": "Alpha Retail", "Active": "yes"} in (
        users
    )
    wait_for_app_run(page)
    settle(page)
    page.screenshot(path=str(inst.database.with_name("admin-users.png")), full_page=True)
    # The form is empty again for the next person.
    expect(page.get_by_label("E-mail address (as the identity provider gives it)")).to_have_value("")
    with closing(open_database(inst.database)) as db:
        viewer = get_user_by_email(db, "viewer@example.com")
    assert viewer is not None and (viewer.role, viewer.organisations) == ("viewer", frozenset({inst.a_org}))

    page.get_by_role("tab", name="Audit log").click()
    settle(page)
    audit = table_rows(
        page.get_by_role("tabpanel", name="Audit log").get_by_test_id("stDataFrame"), "viewer@example.com"
    )
    page.screenshot(path=str(inst.database.with_name("admin-audit.png")), full_page=True)
    what = [(row["Who"], row["What"]) for row in audit]
    assert (ADMINISTRATOR, "signed in") in what
    assert (ADMINISTRATOR, "user added") in what
    added = next(row for row in audit if row["What"] == "user added" and row["Who"] == ADMINISTRATOR)
    assert "viewer@example.com" in added["Detail"] and "Alpha Retail" in added["Detail"]
    # Newest first: the addition came after the sign-in.
    assert what.index((ADMINISTRATOR, "user added")) < what.index((ADMINISTRATOR, "signed in"))


def test_a_participant_link_opens_only_its_questionnaire_and_domains_whatever_the_url_says_until_withdrawn(
    page: Page, shared: Installation
) -> None:
    inst = shared
    token, link = make_link(inst, "Field engineer", days=1, domains=["GOV", "RISK"])
    expired_token, expired = make_link(inst, "Late engineer", days=1)
    url = inst.url
    open_at(page, f"{url}/?join={token}", question(page, "RISK-01"))
    page.screenshot(path=str(inst.database.with_name("participant.png")), full_page=True)
    expect(page.get_by_role("heading", name="Questionnaire: Alpha Retail")).to_be_visible()
    expect(page.get_by_text("Answering as Field engineer")).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    assert domains_offered(page) == ["Risk assessment", "Governance"]
    # Their own answers, not the other respondent's 5.
    expect(level_option(page, "RISK-01", 5)).not_to_be_checked()
    assert "Alpha manager" not in shown(page)

    choose_level(page, "RISK-01", 3)
    settle(page)
    assert stored_answers(inst.database, inst.a_assessment, "RISK-01") == {
        inst.a_respondent: 5,
        link.respondent_id: 3,
    }
    page.reload()
    question(page, "RISK-01").wait_for(timeout=WAIT_MS)
    settle(page)
    expect(level_option(page, "RISK-01", 3)).to_be_checked()

    tampered = (
        f"{url}/?join={token}&assessment={inst.b_assessment}&organisation={inst.b_org}"
        f"&respondent={inst.a_respondent}&domain=REC"
    )
    for address in (f"{url}/results?join={token}&assessment={inst.b_assessment}", tampered):
        open_at(page, address, question(page, "RISK-01"))
        assert_nothing_of_b(page, address)
        expect(page.get_by_text("Answering as Field engineer")).to_be_visible()
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        assert domains_offered(page) == ["Risk assessment", "Governance"]
        assert "Recovery strategies" not in shown(page) and "Alpha manager" not in shown(page)
        expect(level_option(page, "RISK-01", 3)).to_be_checked()
    assert stored_answers(inst.database, inst.b_assessment, "RISK-01") == {inst.b_respondent: 5}

    withdraw(inst, link.id)
    page.reload()
    page.get_by_text("This link was withdrawn").wait_for(timeout=WAIT_MS)
    settle(page)
    page.screenshot(path=str(inst.database.with_name("participant-withdrawn.png")), full_page=True)
    expect(question(page, "RISK-01")).to_have_count(0)
    assert "Alpha" not in shown(page) and "Field engineer" not in shown(page)

    expire(inst.database, expired.id)
    open_at(page, f"{url}/?join={expired_token}", page.get_by_text("This link expired on"))
    expect(question(page, "RISK-01")).to_have_count(0)
    assert "Alpha" not in shown(page) and "Late engineer" not in shown(page)


def test_a_link_withdrawn_while_its_questionnaire_is_open_saves_no_further_answer(
    page: Page, personal: Installation
) -> None:
    inst = personal
    token, link = make_link(inst, "Night operator", domains=["RISK"])
    url = inst.url
    open_at(page, f"{url}/?join={token}", question(page, "RISK-01"))
    choose_level(page, "RISK-01", 3)
    settle(page)
    assert stored_answers(inst.database, inst.a_assessment, "RISK-01")[link.respondent_id] == 3

    withdraw(inst, link.id)
    choose_level(page, "RISK-01", 4)
    settle(page)
    page.screenshot(path=str(inst.database.with_name("withdrawn-while-open.png")), full_page=True)
    assert stored_answers(inst.database, inst.a_assessment, "RISK-01")[link.respondent_id] == 3, (
        "an answer was saved through a link withdrawn after its page was opened"
    )
    expect(page.get_by_text(re.compile("withdrawn")).first).to_be_visible()


def test_a_participant_link_in_personal_mode_opens_only_its_questionnaire_too(
    page: Page, personal: Installation
) -> None:
    inst = personal
    token, _link = make_link(inst, "Field engineer", domains=["BIA"])
    url = inst.url
    # The owner of a personal installation sees every organisation ...
    open_at(page, url, page.get_by_role("heading", name="Assessments of Alpha Retail"))
    assert select_options(page, "Organisation") == ["Alpha Retail", f"{SECRET_OF_B} Bank"]
    # ... but the same browser opening a link is only that participant.
    for address in (f"/?join={token}", f"/data?join={token}&assessment={inst.b_assessment}&domain=RISK"):
        open_at(page, url + address, question(page, "BIA-01"))
        expect(page.get_by_text("Answering as Field engineer")).to_be_visible()
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        assert domains_offered(page) == ["Business impact analysis"]
        assert_nothing_of_b(page, address)
        assert "Risk assessment" not in shown(page)
