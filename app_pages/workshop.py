"""Workshop: the facilitator's page for a room of participants answering on their own devices.

Participants and their join links, live progress, the way of voting (self-paced, or facilitated: one
question or a whole domain at a time with hidden votes and a reveal; for the assessment, and per domain
where one needs another way), the discussion of each question with its agreed answer, and a summary of
what the workshop settled. Everything is read from and written through the core; the
two fragments only read, so their refresh never touches a form or a selection of the facilitator.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Final, cast

import pandas as pd
import streamlit as st

from access import Action
from access.links import create_participant_link, join_url, revoke_participant_link
from exports.report import QuestionAnswers, answers_by_respondent, responses_of
from questionnaires.model import Question
from scoring.workshop import Distribution, disagreements_first, distributions, summary
from storage import add_respondent, write_transaction
from storage.choices import MAX_LINK_DAYS, MIN_LINK_DAYS
from storage.links import list_links
from storage.records import ParticipantLink, Respondent, WorkshopDomainItem, WorkshopItem, WorkshopMode
from storage.workshop import (
    MODE_NAMES,
    WORKSHOP_MODES,
    agree,
    answered_count,
    answered_counts,
    close_domain,
    close_item,
    get_workshop,
    list_domain_items,
    list_items,
    next_round,
    next_round_in_domain,
    open_domain,
    open_item,
    progress,
    reopen_domain,
    reopen_item,
    reveal,
    reveal_domain,
    set_domain_mode,
    set_mode,
)
from ui.access import allowed, current_actor, record
from ui.address import base_url
from ui.charts import vote_distribution
from ui.downloads import workbook_button
from ui.levels import level_label, style_levels
from ui.qr import qr_png
from ui.session import attempt, db, page_header, require_report
from ui.text import counted, md

REFRESH: Final = "3s"
NA_CHOICE: Final = "N/A"
LINK_DAYS: Final = 14
QUESTION_PREVIEW: Final = 70  # characters of a question's text shown in a list of questions
FOLLOW_ASSESSMENT: Final = ""  # a domain's choice of mode meaning "no way of its own"

view = require_report()
page_header("Workshop", view)
organisation_id = view.organisation.id
if not allowed(Action.FACILITATE, organisation_id=organisation_id):
    st.error(
        "You may not facilitate this organisation's workshops: ask an administrator to assign you the organisation "
        "as a consultant.",
        icon=":material/lock:",
    )
    st.stop()

questionnaire = view.questionnaire
assessment_id = view.assessment.id
by = current_actor().label
scale = questionnaire.level_numbers
workshop = get_workshop(db(), assessment_id)
items: dict[str, WorkshopItem] = {item.question_id: item for item in list_items(db(), assessment_id)}
domain_items: dict[str, WorkshopDomainItem] = {item.domain_id: item for item in list_domain_items(db(), assessment_id)}
agreements = {c.question_id: c for c in view.consensus}
current = workshop.open_item
opened = workshop.open_domain
# The questions whose votes nobody may see yet: the open question or those of the open domain, not revealed.
hidden_now = set(workshop.hidden_votes(questionnaire.questions))
# The facilitated domains: their questions go to the room one at a time, or the whole domain at once.
steering = [d.id for d in questionnaire.domains if workshop.mode_of(d.id) == "facilitated"]
in_open_domain = {q.id for q in questionnaire.questions_in(opened.domain_id)} if opened is not None else set()


def key(name: str) -> str:
    """A widget's key on this page, for this assessment (so switching assessments starts afresh)."""
    return f"workshop-{name}-{assessment_id}"


def put_to_room(question_id: str) -> bool:
    """Whether a question was put to the room, on its own or with its whole domain."""
    return question_id in items or questionnaire.question(question_id).domain in domain_items


def visible(question_id: str) -> bool:
    """Whether the page may show how people voted on a question (the screen may be on the room's wall).

    A facilitated domain: only questions put to the room (or agreed), and the open ones once revealed,
    so the votes on a question still to come are never on the screen before the room discusses it.
    """
    if question_id in hidden_now:
        return False
    domain_id = questionnaire.question(question_id).domain
    return workshop.mode_of(domain_id) == "self_paced" or put_to_room(question_id) or question_id in agreements


def done(step: Callable[[], object], audit: str | None = None) -> None:
    """Run a core step; when it works, write `audit` (a change to answers or consensus) to the log and show the page again."""
    if attempt(step) is not None:
        if audit:
            record(audit, organisation_id, f"assessment '{view.assessment.label}' ({assessment_id})")
        st.rerun()


def preview(question: Question) -> str:
    text = " ".join(question.text.split())
    return text if len(text) <= QUESTION_PREVIEW else text[: QUESTION_PREVIEW - 1].rstrip() + "…"


def answer_label(level: int | None, na: bool) -> str:
    if na:
        return NA_CHOICE
    return "none" if level is None else level_label(questionnaire, level)


def status_of(distribution: Distribution) -> str:
    agreed = agreements.get(distribution.question_id)
    if agreed is not None:
        settled = ", disagreement settled" if distribution.disagreement else ""
        return f"agreed {answer_label(agreed.level, agreed.na)}{settled}"
    return "open disagreement" if distribution.open_disagreement else ""


# ---------------------------------------------------------------------------------------------- participants

st.subheader("Participants", anchor=False)
links = list_links(db(), assessment_id)
latest: dict[int, ParticipantLink] = {link.respondent_id: link for link in links}  # oldest first: the last wins
respondents: dict[int, Respondent] = {r.id: r for r in view.respondents}
now = datetime.now(UTC)


def link_status(link: ParticipantLink | None) -> str:
    if link is None:
        return "no link"
    if link.revoked_at is not None:
        return "withdrawn"
    return "active" if link.is_open(now) else "expired"


def add_participant(name: str, role: str, domains: Sequence[str], days: int) -> tuple[str, str]:
    """Add the respondent and make their link in one transaction: both land, or neither."""
    conn = db()
    with write_transaction(conn):
        respondent = add_respondent(conn, assessment_id, name, role)
        token, _ = create_participant_link(
            conn, assessment_id, respondent.name, days=days, domains=domains, created_by=by
        )
    return respondent.name, join_url(base_url(), token)


def withdraw(respondent: Respondent) -> int:
    """Withdraw every link of a respondent that is not withdrawn yet; return how many."""
    conn = db()
    mine = [link for link in links if link.respondent_id == respondent.id and link.revoked_at is None]
    with write_transaction(conn):
        for link in mine:
            revoke_participant_link(conn, link.id, by=by)
    return len(mine)


def renew(respondent: Respondent) -> tuple[str, str]:
    """Withdraw a respondent's links and make a new one for the same domains, in one transaction."""
    previous = latest.get(respondent.id)
    conn = db()
    with write_transaction(conn):
        withdraw(respondent)
        token, _ = create_participant_link(
            conn,
            assessment_id,
            respondent.name,
            days=LINK_DAYS,
            domains=() if previous is None else previous.domains,
            created_by=by,
        )
    return respondent.name, join_url(base_url(), token)


def participants() -> None:
    made_key = key("made-link")
    made = st.session_state.pop(made_key, None)
    if made is not None:
        name, url = made
        with st.container(border=True):
            st.success(
                md(f"Join link for {name}, shown only now (only its fingerprint is stored): copy it or scan the code."),
                icon=":material/link:",
            )
            st.code(url, language=None, wrap_lines=True)
            st.image(qr_png(url), caption=md(f"Scan to answer as {name}"), width=280)

    with (
        st.expander("Add a participant", icon=":material/person_add:", expanded=not respondents),
        st.form(key("add"), clear_on_submit=True, border=False),
    ):
        name = st.text_input("Name", key=key("name"))
        role = st.text_input("Role (optional)", placeholder="e.g. Head of IT operations", key=key("role"))
        domains = st.multiselect(
            "Domains they answer (none chosen: every domain)",
            [d.id for d in questionnaire.domains],
            format_func=lambda domain_id: questionnaire.domain(domain_id).name,
            key=key("domains"),
        )
        days = st.number_input(
            "Link valid for (days)",
            min_value=MIN_LINK_DAYS,
            max_value=MAX_LINK_DAYS,
            value=LINK_DAYS,
            step=1,
            key=key("days"),
        )
        if st.form_submit_button("Add and make the join link", type="primary", key=key("add-button")):
            added = attempt(lambda: add_participant(name, role, domains, int(days)))
            if added is not None:
                st.session_state[made_key] = added
                st.rerun()

    if not respondents:
        st.info("No participants yet: add the first one above.", icon=":material/group_add:")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Participant": r.name,
                    "Role": r.role,
                    "Link": link_status(latest.get(r.id)),
                    "Expires": "" if r.id not in latest else f"{latest[r.id].expires_at.astimezone():%d %b %Y}",
                    "Domains": "" if r.id not in latest else ", ".join(latest[r.id].domains) or "all",
                }
                for r in respondents.values()
            ],
            columns=["Participant", "Role", "Link", "Expires", "Domains"],
        ),
        hide_index=True,
    )
    with st.form(key("links"), border=False):
        chosen = st.selectbox(
            "Participant's link",
            list(respondents),
            format_func=lambda rid: f"{respondents[rid].name} ({link_status(latest.get(rid))})",
            key=key("link-of"),
        )
        renew_column, withdraw_column = st.columns(2)
        renewing = renew_column.form_submit_button(
            "Renew the link",
            icon=":material/autorenew:",
            key=key("renew"),
            help="Withdraws their link and makes a new one for the same domains, valid for 14 days; shown once.",
        )
        withdrawing = withdraw_column.form_submit_button(
            "Withdraw the link", icon=":material/link_off:", key=key("withdraw")
        )
    if renewing:
        renewed = attempt(lambda: renew(respondents[chosen]))
        if renewed is not None:
            st.session_state[made_key] = renewed
            st.rerun()
    if withdrawing:
        withdrawn = attempt(lambda: withdraw(respondents[chosen]))
        if withdrawn == 0:
            st.info(md(f"{respondents[chosen].name} has no link to withdraw."), icon=":material/info:")
        elif withdrawn is not None:
            st.rerun()


if allowed(Action.MANAGE_LINKS, organisation_id=organisation_id):
    participants()
else:
    st.caption("You may not manage this organisation's participant links.")


# ---------------------------------------------------------------------------------------------- live progress

domains_of = {rid: set(link.domains) for rid, link in latest.items()}


@st.fragment(run_every=REFRESH)
def live_progress() -> None:
    """Questions answered per participant and domain (counts only), read again every few seconds."""
    rows = attempt(lambda: progress(db(), questionnaire, assessment_id))
    if rows is None:
        return
    if not rows:
        st.caption("Each participant's answers per domain show here once participants are added.")
        return
    total = rows[0].total
    table = pd.DataFrame(
        [
            {
                "Participant": row.name,
                "Answered": row.answered,
                **{
                    # A link limited to some domains: the others are not theirs to answer.
                    d.domain_id: f"{d.answered}/{d.total}"
                    if not domains_of.get(row.respondent_id) or d.domain_id in domains_of[row.respondent_id]
                    else "–"
                    for d in row.domains
                },
                "Last answer": "" if row.last_answered_at is None else f"{row.last_answered_at.astimezone():%H:%M}",
            }
            for row in rows
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "Answered": st.column_config.ProgressColumn(min_value=0, max_value=total, format=f"%d of {total}"),
            **{d.id: st.column_config.TextColumn(help=d.name) for d in questionnaire.domains},
        },
    )
    st.caption(f"Refreshes by itself every {REFRESH[:-1]} seconds · as of {datetime.now().astimezone():%H:%M:%S}")


st.subheader("Progress", anchor=False)
live_progress()


# ---------------------------------------------------------------------------------------------- way of voting

found = distributions(questionnaire, responses_of(view.answers), view.consensus)
by_question: dict[str, Distribution] = {d.question_id: d for d in found}
answers: dict[str, QuestionAnswers] = {
    qa.question_id: qa for qa in answers_by_respondent(view, hidden=sorted(hidden_now))
}


def switch_mode(key: str) -> None:
    mode: WorkshopMode = st.session_state[key]
    if attempt(lambda: set_mode(db(), assessment_id, mode, by=by, questionnaire=questionnaire)) is not None:
        record(f"set the workshop to {MODE_NAMES[mode]}", organisation_id, f"assessment {assessment_id}")


def switch_domain_mode(domain_id: str, key: str) -> None:
    chosen: str = st.session_state[key]
    mode = None if chosen == FOLLOW_ASSESSMENT else cast(WorkshopMode, chosen)
    if attempt(lambda: set_domain_mode(db(), questionnaire, assessment_id, domain_id, mode, by=by)) is not None:
        way = "to follow the assessment" if mode is None else f"to {MODE_NAMES[mode]}"
        record(f"set domain {domain_id} {way}", organisation_id, f"assessment {assessment_id}")


def domain_mode_label(choice: str) -> str:
    if choice == FOLLOW_ASSESSMENT:
        return f"Like the assessment ({MODE_NAMES[workshop.mode]})"
    return f"{MODE_NAMES[cast(WorkshopMode, choice)].capitalize()} in this domain"


def agree_form(question: Question) -> None:
    agreed = agreements.get(question.id)
    result = view.score.questions[question.id]
    options: list[int | str] = [*scale, *([NA_CHOICE] if question.na_allowed else [])]
    if agreed is not None:
        default: int | str | None = NA_CHOICE if agreed.na else agreed.level
    else:
        default = NA_CHOICE if result.na and question.na_allowed else result.level
    with st.form(key(f"agree-{question.id}")):
        choice = st.selectbox(
            "Agreed answer",
            options,
            index=options.index(default) if default in options else 0,
            format_func=lambda option: option if isinstance(option, str) else level_label(questionnaire, option),
            key=key(f"agreed-{question.id}"),
        )
        note = st.text_area(
            "Rationale",
            value="" if agreed is None else agreed.note,
            placeholder="Why the room settled on this answer: the evidence behind it, what would move it up.",
            key=key(f"rationale-{question.id}"),
        )
        if st.form_submit_button(
            "Agree this answer", type="primary", icon=":material/handshake:", key=key(f"agree-button-{question.id}")
        ):
            if not note.strip():
                st.error("Give the rationale: the workbook and the summary show why the room agreed this answer.")
                return
            level = None if choice == NA_CHOICE else int(choice)
            done(
                lambda: agree(
                    db(), questionnaire, assessment_id, question.id, level, na=choice == NA_CHOICE, note=note, by=by
                ),
                audit=f"agreed the answer to {question.id}: {answer_label(level, choice == NA_CHOICE)}",
            )


def revote_controls(question_id: str) -> None:
    button_key = key(f"revote-{question_id}")
    if workshop.mode_of(questionnaire.question(question_id).domain) == "self_paced":
        st.caption("To vote on it again, switch the workshop to facilitated and put it to the room.")
    elif current is not None:
        st.caption(md(f"{current.question_id} is open: close it before putting another question to the room."))
    elif opened is not None:
        st.caption(md(f"Domain {opened.domain_id} is open: close it before putting another question to the room."))
    elif question_id in items:
        if st.button(
            "Re-open for a re-vote",
            key=button_key,
            icon=":material/replay:",
            help="A new round: its votes and agreed answer are cleared (the answer history keeps them).",
        ):
            done(
                lambda: reopen_item(db(), questionnaire, assessment_id, question_id, by=by),
                audit=f"re-opened {question_id} for a re-vote",
            )
    elif st.button("Put it to the room", key=button_key, icon=":material/how_to_vote:"):
        done(lambda: open_item(db(), questionnaire, assessment_id, question_id, by=by))


def discuss(question_id: str, *, open_now: bool = False) -> None:
    """One question's votes: the distribution, spread and comments, then agree an answer or vote again."""
    question = questionnaire.question(question_id)
    distribution = by_question[question_id]
    threshold = questionnaire.scoring.disagreement_spread
    st.plotly_chart(
        vote_distribution(distribution, questionnaire),
        key=key(f"votes-{question_id}"),
        config={"displaylogo": False, "displayModeBar": False},
    )
    facts = [counted(distribution.votes, "vote")]
    if distribution.median is not None:
        facts.append(f"lower median {level_label(questionnaire, distribution.median)}")
    if distribution.spread is not None:
        facts.append(f"spread {distribution.spread}")
    st.markdown(" · ".join(md(fact) for fact in facts))
    if distribution.open_disagreement:
        st.warning(
            f"Disagreement: the levels given differ by {distribution.spread} (the questionnaire flags {threshold} "
            "or more). Discuss, then agree an answer or vote again.",
            icon=":material/forum:",
        )
    agreed = agreements.get(question_id)
    if agreed is not None:
        st.success(
            md(
                f"Agreed: {answer_label(agreed.level, agreed.na)}, by {agreed.set_by or 'unknown'}. "
                f"{agreed.note or '(no rationale given)'}"
            ),
            icon=":material/handshake:",
        )
    comments = [a for a in answers[question_id].answers if a.comment.strip()] if question_id in answers else []
    if comments:
        st.markdown("**Comments**")
        for answer in comments:
            st.markdown(f"- **{md(answer.name)}**: {md(answer.comment)}")
    agree_form(question)
    if not open_now:
        revote_controls(question_id)


def steered_questions() -> list[str]:
    """The questions of the facilitated domains in the order the questionnaire shows them: those the room votes on."""
    return [q.id for d in questionnaire.domains if d.id in steering for q in questionnaire.questions_in(d.id)]


def pick_default() -> str:
    """The next question to put to the room: the first never put to it and not agreed, else the first not agreed."""
    ids = steered_questions()
    fresh = [qid for qid in ids if not put_to_room(qid) and qid not in agreements]
    again = [qid for qid in ids if qid not in agreements]
    return (fresh or again or ids)[0]


def question_option(question_id: str) -> str:
    notes = []
    if question_id in agreements:
        notes.append("agreed")
    if question_id in items:
        notes.append(f"voted, round {items[question_id].round}")
    elif put_to_room(question_id):
        notes.append("voted with its domain")
    suffix = f" ({', '.join(notes)})" if notes else ""
    return f"{question_id}{suffix} · {preview(questionnaire.question(question_id))}"


def open_question_form() -> None:
    ids = steered_questions()
    with st.form(key("open"), border=False):
        chosen = st.selectbox(
            "Question to put to the room (the next one not voted on is chosen)",
            ids,
            index=ids.index(pick_default()),
            format_func=question_option,
            key=key("question-to-open"),
        )
        if st.form_submit_button(
            "Put it to the room", type="primary", icon=":material/how_to_vote:", key=key("open-button")
        ):
            if chosen in items:
                done(
                    lambda: reopen_item(db(), questionnaire, assessment_id, chosen, by=by),
                    audit=f"re-opened {chosen} for a re-vote",
                )
            else:
                done(lambda: open_item(db(), questionnaire, assessment_id, chosen, by=by))


def open_question(item: WorkshopItem) -> None:
    question = questionnaire.question(item.question_id)

    @st.fragment(run_every=REFRESH)
    def votes_so_far() -> None:
        """How many have voted and who is still to: never what anyone voted. Follows another facilitator's steps."""
        if get_workshop(db(), assessment_id) != workshop:
            st.rerun(scope="app")
        count = answered_count(db(), assessment_id, item.question_id)
        share = count.answered / count.respondents if count.respondents else 0.0
        st.progress(share, text=f"{count.answered} of {count.respondents} have voted")
        if count.waiting:
            st.caption(md(f"Still to vote: {', '.join(count.waiting)}"))

    with st.container(border=True):
        status = "votes revealed" if item.revealed else "votes hidden"
        st.markdown(
            f"**{md(question.id)}** · {md(questionnaire.domain(question.domain).name)} · round {item.round} · {status}"
        )
        st.markdown(md(question.text))
        votes_so_far()
        reveal_column, round_column, close_column = st.columns(3)
        if reveal_column.button(
            "Reveal the votes",
            type="primary",
            icon=":material/visibility:",
            disabled=item.revealed,
            key=key("reveal"),
        ):
            done(lambda: reveal(db(), assessment_id, item.question_id))
        if round_column.button(
            "Another round",
            icon=":material/replay:",
            key=key("round"),
            help="Everyone votes again: the votes are cleared and hidden (the answer history keeps them).",
        ):
            done(
                lambda: next_round(db(), questionnaire, assessment_id, item.question_id),
                audit=f"started round {item.round + 1} on {item.question_id}",
            )
        if close_column.button(
            "Close without agreeing",
            icon=":material/close:",
            key=key("close"),
            help="The room moves on; the votes stand and a disagreement stays open.",
        ):
            done(lambda: close_item(db(), assessment_id, item.question_id))
        if item.revealed:
            discuss(item.question_id, open_now=True)
        else:
            st.caption("Participants vote on their own devices without seeing anyone's vote. Reveal when ready.")


def domain_option(domain_id: str) -> str:
    questions = questionnaire.questions_in(domain_id)
    agreed = sum(q.id in agreements for q in questions)
    notes = [f"{len(questions)} questions"]
    if domain_id in domain_items:
        notes.append(f"voted, round {domain_items[domain_id].round}")
    if agreed:
        notes.append(f"{agreed} agreed")
    return f"{questionnaire.domain(domain_id).name} ({', '.join(notes)})"


def open_domain_form() -> None:
    fresh = [d for d in steering if d not in domain_items]
    with st.form(key("open-domain"), border=False):
        chosen = st.selectbox(
            "Domain to put to the room (everyone answers all its questions; votes stay hidden until you reveal them)",
            steering,
            index=steering.index((fresh or steering)[0]),
            format_func=domain_option,
            key=key("domain-to-open"),
        )
        if st.form_submit_button(
            "Put the whole domain to the room", type="primary", icon=":material/ballot:", key=key("open-domain-button")
        ):
            if chosen in domain_items:
                done(
                    lambda: reopen_domain(db(), questionnaire, assessment_id, chosen, by=by),
                    audit=f"re-opened domain {chosen} for a re-vote",
                )
            else:
                done(lambda: open_domain(db(), questionnaire, assessment_id, chosen, by=by))


def open_domain_panel(item: WorkshopDomainItem) -> None:
    """The domain the room answers now: answers in per question (never a level), reveal, discussion one by one."""
    domain = questionnaire.domain(item.domain_id)
    question_ids = [q.id for q in questionnaire.questions_in(domain.id)]

    @st.fragment(run_every=REFRESH)
    def domain_votes_so_far() -> None:
        """Per question still hidden: how many have voted and who is still to. Follows another facilitator's steps."""
        if get_workshop(db(), assessment_id) != workshop:
            st.rerun(scope="app")
        still_hidden = [qid for qid in question_ids if qid in hidden_now]
        if not still_hidden:
            return
        counts = answered_counts(db(), assessment_id, still_hidden)
        people = counts[0].respondents
        given = sum(count.answered for count in counts)
        share = given / (people * len(counts)) if people else 0.0
        st.progress(share, text=f"{given} of {people * len(counts)} answers in")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Question": count.question_id,
                        "Voted": count.answered,
                        "Still to vote": ", ".join(count.waiting),
                    }
                    for count in counts
                ],
                columns=["Question", "Voted", "Still to vote"],
            ),
            hide_index=True,
            column_config={
                "Voted": st.column_config.ProgressColumn(min_value=0, max_value=people, format=f"%d of {people}")
            },
        )

    with st.container(border=True):
        status = "votes revealed" if item.revealed else "votes hidden"
        st.markdown(f"**{md(domain.name)}** ({md(domain.id)}) · the whole domain · round {item.round} · {status}")
        domain_votes_so_far()
        reveal_column, close_column = st.columns(2)
        if reveal_column.button(
            "Reveal the domain",
            type="primary",
            icon=":material/visibility:",
            disabled=not any(qid in hidden_now for qid in question_ids),
            key=key("reveal-domain"),
            help="Shows how the votes fall on every question of the domain; answers can no longer be changed.",
        ):
            done(lambda: reveal_domain(db(), assessment_id, item.domain_id))
        if close_column.button(
            "Close the domain",
            icon=":material/close:",
            key=key("close-domain"),
            help="The room moves on; the votes stand, agreed answers stay and disagreements not agreed stay open.",
        ):
            done(lambda: close_domain(db(), assessment_id, item.domain_id))
        if not item.revealed:
            st.caption(
                "Participants answer every question of the domain on their own devices without seeing anyone's "
                "answers. Reveal when ready, then discuss the questions one by one."
            )
            return
        ranked = [d.question_id for d in disagreements_first([by_question[qid] for qid in question_ids])]
        picked = st.selectbox(
            "Question of the domain to discuss",
            ranked,
            format_func=lambda qid: (
                f"{qid} · {'voting again' if qid in hidden_now else status_of(by_question[qid]) or 'no disagreement'}"
                f" · {preview(questionnaire.question(qid))}"
            ),
            key=key("domain-discuss"),
        )
        if picked is None:
            return
        st.markdown(f"**{md(picked)}**: {md(questionnaire.question(picked).text)}")
        if picked in hidden_now:
            count = answered_count(db(), assessment_id, picked)
            st.caption(
                f"Round {item.round_of(picked)}: the room votes on it again ({count.answered} of "
                f"{count.respondents} have voted); reveal the domain to discuss it."
            )
            return
        discuss(picked, open_now=True)
        if st.button(
            "Another round for this question",
            icon=":material/replay:",
            key=key(f"domain-round-{picked}"),
            help="Everyone answers it again: its votes and agreed answer are cleared (the answer history keeps the "
            "votes) and hidden until you reveal again.",
        ):
            done(
                lambda: next_round_in_domain(db(), questionnaire, assessment_id, picked),
                audit=f"started round {item.round_of(picked) + 1} on {picked}",
            )


def domain_modes() -> None:
    """Each domain's way of answering: the assessment's, or one of its own."""
    with st.expander("Domains with a way of their own", icon=":material/tune:", expanded=bool(workshop.domain_modes)):
        st.caption(
            "A domain may differ from the choice above, e.g. Governance self-paced while Recovery strategies is "
            "facilitated. A domain turning self-paced closes what the room has open in it."
        )
        domains = list(questionnaire.domains)
        # One row of two per pair of domains: on a phone the columns stack, and the domains keep their order.
        pairs = [domains[i : i + 2] for i in range(0, len(domains), 2)]
        for pair in pairs:
            for column, domain in zip(st.columns(2), pair, strict=False):
                domain_key = key(f"mode-{domain.id}")
                st.session_state[domain_key] = workshop.domain_modes.get(domain.id, FOLLOW_ASSESSMENT)
                column.selectbox(
                    domain.name,
                    [FOLLOW_ASSESSMENT, *WORKSHOP_MODES],
                    format_func=domain_mode_label,
                    key=domain_key,
                    on_change=switch_domain_mode,
                    args=(domain.id, domain_key),
                )


st.subheader("Way of voting", anchor=False)
mode_key = key("mode")
st.session_state[mode_key] = workshop.mode
st.radio(
    "How the room answers",
    WORKSHOP_MODES,
    format_func=lambda mode: MODE_NAMES[mode].capitalize(),
    captions=[
        "Everyone answers every question at their own pace.",
        "You open one question at a time; votes stay hidden until you reveal them.",
    ],
    key=mode_key,
    help="Going back to self-paced closes the open question without an agreed answer.",
    on_change=switch_mode,
    args=(mode_key,),
    horizontal=True,
)
domain_modes()
if steering:
    if current is not None:
        open_question(current)
    elif opened is not None:
        open_domain_panel(opened)
    else:
        one_question, whole_domain = st.tabs(["One question at a time", "A whole domain at once"])
        with one_question:
            open_question_form()
        with whole_domain:
            open_domain_form()


# ---------------------------------------------------------------------------------------------- discussion


st.subheader("Discussion", anchor=False)
shown = [
    d
    for d in disagreements_first(found)
    if visible(d.question_id)
    and (d.votes or d.question_id in agreements)
    and not (current is not None and d.question_id == current.question_id)
    and d.question_id not in in_open_domain
]
if not shown:
    st.info(
        "Nothing to discuss yet: votes appear here as participants answer (in a facilitated workshop, once a "
        "question has been put to the room and revealed).",
        icon=":material/forum:",
    )
else:
    open_disagreements = sum(d.open_disagreement for d in shown)
    st.caption(
        f"{counted(open_disagreements, 'open disagreement')} (levels {questionnaire.scoring.disagreement_spread} or more "
        "apart), listed first with the widest spread first; results use the agreed answer, else the lower median."
    )
    overview = pd.DataFrame(
        [
            {
                "Question": d.question_id,
                "Votes": d.votes,
                "Median": d.median,
                "Spread": d.spread,
                "Status": status_of(d),
            }
            for d in shown
        ]
    )
    st.dataframe(style_levels(overview, ["Median"], scale), hide_index=True, height=min(36 + 35 * len(shown), 300))
    picked = st.selectbox(
        "Question to discuss",
        [d.question_id for d in shown],
        format_func=lambda qid: (
            f"{qid} · {status_of(by_question[qid]) or 'no disagreement'} · {preview(questionnaire.question(qid))}"
        ),
        key=key("discuss"),
    )
    if picked is not None:
        with st.container(border=True):
            st.markdown(f"**{md(picked)}**: {md(questionnaire.question(picked).text)}")
            discuss(picked)
    if len(steering) < len(questionnaire.domains):
        st.button("Show the latest votes", icon=":material/refresh:", key=key("refresh"), type="tertiary")


# ---------------------------------------------------------------------------------------------- summary

title_column, download_column = st.columns([3, 2], vertical_alignment="bottom")
title_column.subheader("Facilitator's summary", anchor=False)
with download_column:
    workbook_button(view, key="workshop-workbook")
outcome = summary(questionnaire, responses_of(view.answers), view.consensus)
agreed_items = [item for item in outcome.agreed if visible(item.question_id)]
still_open = [d for d in outcome.open if visible(d.question_id)]
settled_items = [item for item in outcome.settled if visible(item.question_id)]
no_votes = sum(1 for d in found if not d.votes and d.question_id not in agreements)
agreed_column, open_column, settled_column = st.columns(3)
with agreed_column:
    st.markdown(f"**Agreed** ({len(agreed_items)})")
    st.markdown(
        "\n".join(
            f"- **{md(item.question_id)}** {md(answer_label(item.level, item.na))}: "
            f"{md(item.note) if item.note.strip() else '(no rationale given)'}"
            for item in agreed_items
        )
        or "Nothing agreed yet."
    )
with open_column:
    st.markdown(f"**Still open** ({counted(len(still_open), 'disagreement')})")
    lines = [
        f"- **{md(d.question_id)}** spread {d.spread}, levels "
        f"{min(level for level, votes in d.counts if votes)} to {max(level for level, votes in d.counts if votes)}"
        for d in still_open
    ]
    if no_votes:
        lines.append(f"- {counted(no_votes, 'question')} without votes yet")
    if steering:
        waiting = sum(1 for qid in steered_questions() if not put_to_room(qid) and qid not in agreements)
        lines.append(f"- {counted(waiting, 'question')} not put to the room yet")
    st.markdown("\n".join(lines) or "Nothing left open.")
with settled_column:
    st.markdown(f"**Disagreements settled** ({len(settled_items)})")
    st.markdown(
        "\n".join(
            f"- **{md(item.question_id)}** spread {item.distribution.spread}, agreed "
            f"{md(answer_label(item.level, item.na))}"
            for item in settled_items
        )
        or "None yet."
    )
