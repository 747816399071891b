"""Questionnaire: answer one domain at a time; every answer is saved the moment it is given."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from access import AccessDenied, Action, Participant, require
from questionnaires.model import Question
from scoring.confidence import evidence_freshness
from scoring.evidence_checks import day_text
from storage import get_answer, list_answers, set_assessment_status, update_answer
from storage.errors import StorageError
from storage.records import (
    EMPTY_ANSWER,
    Answer,
    AnswerField,
    AnswerValue,
    Workshop,
    WorkshopDomainItem,
    WorkshopItem,
    field_of,
    with_field,
)
from storage.workshop import get_workshop
from ui.access import allowed, current_actor
from ui.browser import guard_unsaved_text, scroll_to_top
from ui.session import (
    PAGES,
    attempt,
    db,
    go,
    page_header,
    recalled_int,
    remember,
    require_assessment,
)
from ui.text import counted, md

NA_OPTION = "na"
FIELD_NAMES: dict[AnswerField, str] = {
    "choice": "level",
    "comment": "comment",
    "evidence": "evidence note",
    "evidence_date": "evidence date",
}
# The earliest evidence date the picker offers (its default would be only ten years back).
EARLIEST_EVIDENCE_DATE = date(1970, 1, 1)

# Only this page's facts and the one respondent's answers are loaded: nobody else's answers, no scores.
view = require_assessment()
# Counts the page's whole runs (a fragment's rerun does not run this line): see question_block.
FULL_RUNS = "questionnaire-full-runs"
st.session_state[FULL_RUNS] = st.session_state.get(FULL_RUNS, 0) + 1
questionnaire = view.questionnaire
assessment = view.assessment

page_header("Questionnaire", view)
guard_unsaved_text()

if not view.respondents:
    st.warning("This assessment has no respondent yet. Start it again from the Home page.")
    st.stop()

actor = current_actor()
participant = actor if isinstance(actor, Participant) else None
respondents = {r.id: r for r in view.respondents}
respondent_id = participant.respondent_id if participant else recalled_int("respondent")
if respondent_id not in respondents:
    respondent_id = view.respondents[0].id
if participant:
    st.caption(md(f"Answering as {respondents[respondent_id].name}. Every answer is saved as yours when you give it."))
elif len(respondents) > 1:
    respondent_id = st.selectbox(
        "Answering as",
        list(respondents),
        index=list(respondents).index(respondent_id),
        format_func=lambda rid: respondents[rid].name,
    )
remember("respondent", respondent_id)
mine = {a.question_id: a for a in list_answers(db(), assessment.id, respondent_id)}


where = {"organisation_id": view.organisation.id, "assessment_id": assessment.id, "respondent_id": respondent_id}
# A participant link may be limited to some domains: only those are shown.
domains = [d for d in questionnaire.domains if allowed(Action.ANSWER, domain_id=d.id, **where)]
if not domains:
    st.warning("You may not answer this assessment's questions here.", icon=":material/lock:")
    st.stop()
domain_ids = [d.id for d in domains]

# Progress of this respondent over the questions they answer, overall and per domain.
mine_here = {q.id for d in domains for q in questionnaire.questions_in(d.id)}
answered = {qid for qid, a in mine.items() if a.is_answered and qid in mine_here}
total = len(mine_here)


# Answers are saved by each question's own fragment, which does not rerun the page: a fragment whose save
# changed what is answered redraws the bar in its slot (see question_block). No timer: an open page costs the
# server nothing while nobody clicks (a timed fragment costs a rerun every few seconds, for every open page).
PROGRESS_CHANGED = f"progress-changed-{assessment.id}-{respondent_id}"
PROGRESS_DONE = f"progress-done-{assessment.id}-{respondent_id}"
st.session_state[PROGRESS_DONE] = len(answered)
progress_slot = st.empty()


def show_progress() -> None:
    """Draw the bar; after a save that may have answered or cleared a question, count again (one small query).

    Every question's fragment draws it on every run: Streamlit lets a fragment write to an element outside
    it only if it did so in the page's last whole run too.
    """
    if st.session_state.pop(PROGRESS_CHANGED, False):
        answers = list_answers(db(), assessment.id, respondent_id)
        st.session_state[PROGRESS_DONE] = sum(a.is_answered and a.question_id in mine_here for a in answers)
    done = st.session_state[PROGRESS_DONE]
    progress_slot.progress(done / total, text=f"{done} of {total} questions answered")


show_progress()


FIELD_WIDGETS: dict[AnswerField, str] = {
    "choice": "level",
    "comment": "comment",
    "evidence": "evidence",
    "evidence_date": "evidence_date",
}


def widget_key(kind: str, question_id: str) -> str:
    """The session key of one of a question's widgets or records.

    The answer's four widgets carry a version: when the page shows a value it did not get from the
    browser (saved elsewhere, or put back after a refused save), it makes new widgets instead of
    changing the old ones. A rerun the browser sent before it saw the new value then still names the
    old widgets, whose change callbacks no longer exist, so it cannot write the old value back.
    """
    key = f"{kind}-{assessment.id}-{respondent_id}-{question_id}"
    if kind not in FIELD_WIDGETS.values():
        return key
    version = st.session_state.get(f"version-{assessment.id}-{respondent_id}-{question_id}", 0)
    return f"{key}-v{version}" if version else key


def show_values(question: Question, shown: dict[AnswerField, object]) -> None:
    """Show these values in new versions of the question's widgets; the other fields keep what they show."""
    current = {field: st.session_state.get(widget_key(kind, question.id)) for field, kind in FIELD_WIDGETS.items()}
    version_key = f"version-{assessment.id}-{respondent_id}-{question.id}"
    st.session_state[version_key] = st.session_state.get(version_key, 0) + 1
    for field, kind in FIELD_WIDGETS.items():
        st.session_state[widget_key(kind, question.id)] = shown.get(field, current[field])


def widget_value(field: AnswerField, value: AnswerValue) -> object:
    """What a field's widget shows for a stored answer."""
    if field == "choice":
        return NA_OPTION if value.na else value.level
    return field_of(value, field)


def edited_value(question: Question, field: AnswerField, base: AnswerValue) -> AnswerValue:
    """The answer as the page last saw it, with the user's change to one field."""
    if field == "choice":
        choice = st.session_state.get(widget_key("level", question.id))
        level = choice if isinstance(choice, int) else None
        return replace(base, level=level, na=choice == NA_OPTION)
    if field == "evidence_date":
        day = st.session_state.get(widget_key("evidence_date", question.id))
        return replace(base, evidence_date=day if isinstance(day, date) else None)
    text = st.session_state.get(widget_key(field, question.id)) or ""
    return with_field(base, field, AnswerValue(level=None, na=False, comment=text, evidence=text))


def show_stored(question: Question, field: AnswerField, value: AnswerValue) -> None:
    show_values(question, {field: widget_value(field, value)})


def shown_text(field: AnswerField, value: AnswerValue, question: Question) -> str:
    if field == "choice":
        if value.na:
            return "N/A"
        return "no answer" if value.level is None else level_text(question, value.level).split(" · ")[0]
    if field == "evidence_date":
        return "empty" if value.evidence_date is None else day_text(value.evidence_date)
    text = str(widget_value(field, value))
    return f"“{md(text)}”" if text else "empty"


def save(question: Question, field: AnswerField) -> None:
    """Save the one field the user changed; tell them when it was refused or failed.

    The page's record of what is stored (`base`) is updated for the saved field only; the next
    run shows any other field that changed elsewhere (see sync_widgets).
    """
    base_key = widget_key("base", question.id)
    notice_key = widget_key("notice", question.id)
    base: AnswerValue = st.session_state[base_key]
    st.session_state.pop(notice_key, None)
    try:
        # Asked again at the moment of saving: a link revoked or a role changed since the page loaded.
        require(current_actor(), Action.ANSWER, domain_id=question.domain, **where)
        if participant is not None and not get_workshop(db(), assessment.id).participant_may_answer(
            question.id, question.domain
        ):
            raise AccessDenied("The facilitator has moved on from this question; answer the one open now.")
        outcome = update_answer(
            db(), questionnaire, assessment.id, respondent_id, question.id, base, edited_value(question, field, base)
        )
    except (StorageError, AccessDenied) as exc:
        if field == "choice":
            show_stored(question, field, base)
            after = "The level shown is the one stored: choose again."
        else:
            after = "Your text is still in the field: press Retry to save it."
        st.session_state[notice_key] = ("error", f"Your {FIELD_NAMES[field]} was not saved. {md(exc)} {after}", field)
        return
    st.session_state[base_key] = with_field(base, field, outcome.answer.value)
    st.session_state[PROGRESS_CHANGED] = True
    for conflict in outcome.conflicts:
        show_stored(question, conflict.field, conflict.stored)
        name = FIELD_NAMES[conflict.field]
        st.session_state[notice_key] = (
            "warning",
            f"This {name} was changed elsewhere (another tab or person) since the page showed it: it is now "
            f"{shown_text(conflict.field, conflict.stored, question)}, shown above. Your change to "
            f"{shown_text(conflict.field, conflict.attempted, question)} was not applied; it is kept in the "
            "answer history. Change it again to apply yours.",
            conflict.field,
        )


def clear(question: Question) -> None:
    st.session_state[widget_key("level", question.id)] = None
    save(question, "choice")


def level_text(question: Question, option: int | str) -> str:
    if option == NA_OPTION:
        reason = " (write why in the comment first)" if question.na_requires_justification else ""
        return f"**N/A** · this practice does not apply to us{reason}"
    name = questionnaire.level(int(option)).name
    return f"**{option} {md(name)}** · {md(question.levels[int(option)])}"


def sync_widgets(question: Question, stored: AnswerValue) -> None:
    """Show what is stored: on first view, and for fields changed elsewhere that this page is not editing."""
    base_key = widget_key("base", question.id)
    base: AnswerValue | None = st.session_state.get(base_key)
    keys = {field: widget_key(kind, question.id) for field, kind in FIELD_WIDGETS.items()}
    if base is None or any(key not in st.session_state for key in keys.values()):
        for field, key in keys.items():
            st.session_state[key] = widget_value(field, stored)
    else:
        # A field this page has not touched (its widget still shows what the page last knew) and that
        # was saved elsewhere since shows the new value; text typed here and not saved yet is kept.
        newer = {
            field: widget_value(field, stored)
            for field, key in keys.items()
            if field_of(stored, field) != field_of(base, field) and st.session_state[key] == widget_value(field, base)
        }
        if newer:
            show_values(question, newer)
    st.session_state[base_key] = stored


def drawn_afresh(question: Question, place: str, disabled: bool) -> None:
    """Give a question new widgets when the browser draws it afresh, so they start from what is stored.

    The browser drops a question's widgets when the room's view leaves it out for a while (a workshop between
    questions) or when it is drawn elsewhere (the room's view giving way to the self-paced one) or locked. Streamlit may still hold
    their last values (a run ended by st.stop keeps them), and a widget drawn again under the same key would
    show its default, the first level, and send it back as a change: a vote overwritten. New keys make
    sync_widgets put the stored answer into the new widgets first.
    """
    where = f"drawn-{assessment.id}-{respondent_id}-{question.id}"
    run = st.session_state[FULL_RUNS]
    last = st.session_state.get(where)
    # Only the room's views end their runs with st.stop, so only they leave old values behind across a gap.
    gap = last is not None and last[1].startswith("room") and last[0] < run - 1
    if last is not None and (last[1:] != (place, disabled) or gap):
        version_key = f"version-{assessment.id}-{respondent_id}-{question.id}"
        st.session_state[version_key] = st.session_state.get(version_key, 0) + 1
    st.session_state[where] = (run, place, disabled)


def stale_evidence_note(place: DeltaGenerator, answer: Answer | None) -> None:
    """Flag saved evidence older than the questionnaire's validity period, under the evidence date."""
    if answer is None or answer.evidence_date is None:
        return
    months = questionnaire.scoring.evidence_valid_months
    if evidence_freshness(answer.evidence_date, date.today(), months) == "stale":
        place.warning(
            f"Evidence dated {day_text(answer.evidence_date)} is older than {months} months: review it, "
            "then set the date it was reviewed.",
            icon=":material/history:",
        )


# A fragment per question: a click reruns that question only (the save and its own widgets), not the whole
# page, so a room of participants clicking at once costs one small rerun each.
@st.fragment
def question_block(question: Question, disabled: bool = False, place: str = "domain") -> None:
    """One question: its text, guidance, level choice, comment, evidence and whether it is saved."""
    drawn_afresh(question, place, disabled)
    # Read again on every rerun of the fragment: what is stored now, whoever saved it.
    answer = get_answer(db(), assessment.id, respondent_id, question.id)
    # Widgets start from what is stored, so a refresh or another device shows the saved answer.
    sync_widgets(question, answer.value if answer is not None else EMPTY_ANSWER)
    level_key = widget_key("level", question.id)
    show_progress()

    with st.container(border=True, key=f"question-{question.id}"):
        st.markdown(f"**{question.id}** · {md(question.text)}")
        if question.replaces:
            replaced = ", ".join(question.replaces)
            previous = questionnaire.previous_version or ""
            st.caption(f"Replaces {md(replaced)} of version {md(previous)}.")
        with st.expander("Guidance and evidence examples"):
            st.markdown(md(question.guidance))
            st.markdown("Evidence that would support an answer:")
            st.markdown("\n".join(f"- {md(example)}" for example in question.evidence_lines))
            if question.references:
                st.caption(f"References: {md(questionnaire.references_text(question))}")
        notice = st.session_state.get(widget_key("notice", question.id))
        if notice is not None:
            kind, text, field = notice
            (st.error if kind == "error" else st.warning)(text, icon=":material/sync_problem:")
            if kind == "error" and field != "choice":
                st.button("Retry", key=widget_key("retry", question.id), on_click=save, args=(question, field))
        options: list[int | str] = list(questionnaire.level_numbers)
        if question.na_allowed:
            options.append(NA_OPTION)
        st.radio(
            f"Level for {question.id}",
            options,
            key=level_key,
            format_func=lambda option, q=question: level_text(q, option),
            on_change=save,
            args=(question, "choice"),
            label_visibility="collapsed",
            disabled=disabled,
        )
        left, right = st.columns(2)
        left.text_area(
            "Comment",
            key=widget_key("comment", question.id),
            on_change=save,
            args=(question, "comment"),
            height=68,
            placeholder="Why this level? Saved when you leave the field.",
            disabled=disabled,
        )
        right.text_area(
            "Evidence",
            key=widget_key("evidence", question.id),
            on_change=save,
            args=(question, "evidence"),
            height=68,
            placeholder="Where the evidence is (document, link, owner).",
            disabled=disabled,
        )
        right.date_input(
            "Evidence date",
            key=widget_key("evidence_date", question.id),
            on_change=save,
            args=(question, "evidence_date"),
            min_value=EARLIEST_EVIDENCE_DATE,
            max_value=date.today(),
            format="YYYY-MM-DD",
            help="When the evidence was produced or last reviewed; optional, today at the latest.",
            disabled=disabled,
        )
        stale_evidence_note(right, answer)
        status, clear_button = st.columns([4, 1], vertical_alignment="center")
        if answer is not None and answer.updated_at is not None:
            status.caption(f":material/cloud_done: Saved {answer.updated_at.astimezone():%d %b %Y %H:%M}")
        else:
            status.caption("Nothing saved yet")
        if st.session_state[level_key] is not None and not disabled:
            clear_button.button(
                "Clear answer", key=widget_key("clear", question.id), on_click=clear, args=(question,), type="tertiary"
            )


# The page follows the facilitator by itself: a question or a domain opened, a new round, a reveal, a close or
# another way of voting reruns it (one small read every few seconds). It is drawn last on the page: drawn above
# other elements, its next run could clear what the whole run it asked for had drawn after it (measured: the
# "votes are revealed" notice vanished from participants' screens while the server had drawn it).
@st.fragment(run_every="3s")
def follow_the_facilitator(seen: Workshop) -> None:
    if get_workshop(db(), assessment.id) != seen:
        st.rerun(scope="app")


def open_question_view(workshop: Workshop, item: WorkshopItem, *, heading: bool = True) -> None:
    """The one question the room votes on now."""
    question = questionnaire.question(item.question_id)
    if heading:
        st.subheader(questionnaire.domain(question.domain).name, anchor=False)
    if item.round > 1:
        st.caption(f"Round {item.round}: vote again; your earlier vote is kept in the history.")
    if item.revealed:
        st.info("The votes are revealed: the room is discussing this question.", icon=":material/forum:")
    question_block(
        question, disabled=not workshop.participant_may_answer(question.id, question.domain), place="room-question"
    )


def open_domain_view(workshop: Workshop, opened: WorkshopDomainItem, *, heading: bool = True) -> None:
    """Every question of the domain the room answers now; each is locked once its votes are revealed."""
    domain = questionnaire.domain(opened.domain_id)
    if heading:
        st.subheader(domain.name, anchor=False)
    if opened.round > 1:
        st.caption(f"Round {opened.round}: answer again; your earlier answers are kept in the history.")
    if opened.revealed:
        st.info(
            "The answers to this domain are revealed: the room is discussing them question by question.",
            icon=":material/forum:",
        )
    else:
        st.caption(
            "The room answers every question of this domain now. Nobody sees anyone's answers until the "
            "facilitator reveals them."
        )
    for question in questionnaire.questions_in(domain.id):
        again = opened.round_of(question.id) > opened.round and not opened.revealed_for(question.id)
        if again:
            st.caption(
                md(
                    f"{question.id}, round {opened.round_of(question.id)}: answer it again; your earlier answer "
                    "is kept in the history."
                )
            )
        question_block(
            question, disabled=not workshop.participant_may_answer(question.id, question.domain), place="room-domain"
        )


def open_here(workshop: Workshop, domain_ids: list[str]) -> str | None:
    """The domain, among `domain_ids`, of what the room answers now (the open question or domain), if any."""
    if workshop.open_item is not None:
        domain_id = questionnaire.question(workshop.open_item.question_id).domain
        return domain_id if domain_id in domain_ids else None
    if workshop.open_domain is not None and workshop.open_domain.domain_id in domain_ids:
        return workshop.open_domain.domain_id
    return None


def steered_view(workshop: Workshop, domain_id: str, *, heading: bool = True) -> None:
    """A facilitated domain for a participant: only what the facilitator has open in it, else a wait."""
    if open_here(workshop, [domain_id]) is None:
        if heading:
            st.info("Waiting for the facilitator to open the next question.", icon=":material/hourglass_top:")
        else:
            st.info(
                "The facilitator puts this domain's questions to the room: they appear here when opened. "
                "Meanwhile you can answer the other domains at your own pace.",
                icon=":material/hourglass_top:",
            )
    elif workshop.open_item is not None:
        open_question_view(workshop, workshop.open_item, heading=heading)
    elif workshop.open_domain is not None:
        open_domain_view(workshop, workshop.open_domain, heading=heading)


def facilitated_view(workshop: Workshop) -> None:
    """A participant whose domains are all facilitated: the open question, the open domain, or a wait for the next."""
    steered_view(workshop, open_here(workshop, domain_ids) or domain_ids[0])


workshop = get_workshop(db(), assessment.id)
steered = [d for d in domain_ids if participant is not None and workshop.mode_of(d) == "facilitated"]
if steered and len(steered) == len(domain_ids):
    facilitated_view(workshop)
    follow_the_facilitator(workshop)
    st.stop()

nav_key = f"domain-nav-{assessment.id}"
if st.session_state.get(nav_key) not in domain_ids:
    # A new session (or a refresh) starts on the domain named in the URL.
    wanted = st.query_params.get("domain") or st.session_state.get("remember-domain")
    st.session_state[nav_key] = wanted if wanted in domain_ids else domain_ids[0]


def domain_label(domain_id: str) -> str:
    questions = questionnaire.questions_in(domain_id)
    done = sum(q.id in answered for q in questions)
    mark = " ✓" if done == len(questions) else ""
    return f"{questionnaire.domain(domain_id).name} ({done}/{len(questions)}){mark}"


def go_to_domain(domain_id: str) -> None:
    st.session_state[nav_key] = domain_id
    st.session_state["domain-moves"] = st.session_state.get("domain-moves", 0) + 1


chosen = st.segmented_control("Domain", domain_ids, format_func=domain_label, key=nav_key, required=True)
st.query_params["domain"] = chosen
st.session_state["remember-domain"] = chosen
domain = questionnaire.domain(chosen)
if st.session_state.get("domain-moves"):
    # The buttons under the last question open the next domain at its first question.
    scroll_to_top(st.session_state["domain-moves"])

room_domain = open_here(workshop, steered)
if room_domain is not None and room_domain != chosen:
    # Some domains are facilitated and the room is answering one of them now: say where, one click away.
    notice, jump = st.columns([3, 1], vertical_alignment="center")
    notice.info(
        md(f"The room is answering {questionnaire.domain(room_domain).name} now."), icon=":material/how_to_vote:"
    )
    jump.button(
        "Join the room",
        icon=":material/arrow_forward:",
        on_click=go_to_domain,
        args=(room_domain,),
        key=f"join-room-{assessment.id}",
    )

st.subheader(domain.name)
st.markdown(md(domain.description))
if assessment.status == "completed":
    st.info("This assessment is marked complete. You can still correct answers; results update at once.")


if domain.id in steered:
    steered_view(workshop, domain.id, heading=False)
else:
    for question in questionnaire.questions_in(domain.id):
        if workshop.votes_visible(question.id, question.domain):
            question_block(question)
        else:
            # The room is voting on this one: nobody sees a vote before the facilitator reveals them.
            with st.container(border=True, key=f"question-{question.id}"):
                st.markdown(f"**{question.id}** · {md(question.text)}")
                st.info("The room is voting on this question: votes are hidden until the facilitator reveals them.")

index = domain_ids.index(chosen)
back, forward, done = st.columns(3)
if index > 0:
    back.button(f"← {domains[index - 1].name}", width="stretch", on_click=go_to_domain, args=(domain_ids[index - 1],))
if index < len(domains) - 1:
    forward.button(
        f"{domains[index + 1].name} →", width="stretch", on_click=go_to_domain, args=(domain_ids[index + 1],)
    )

if participant is not None:
    missing = sum(q.id not in answered for d in domains for q in questionnaire.questions_in(d.id))
    done.caption(
        "All your questions are answered: thank you. You can still change an answer."
        if not missing
        else f"{missing} of your questions still unanswered. You can come back to this link at any time."
    )
elif not allowed(Action.MANAGE_ASSESSMENTS, organisation_id=view.organisation.id):
    pass
elif assessment.status != "completed":
    missing = total - len(answered)
    if (
        done.button("Mark assessment complete", type="primary", width="stretch")
        and attempt(lambda: set_assessment_status(db(), assessment.id, "completed")) is not None
    ):
        go("results", assessment=assessment.id)
    if missing:
        done.caption(
            f"{counted(missing, 'question')} still unanswered: results stay provisional until "
            f"{'it is' if missing == 1 else 'they are'} answered."
        )
else:
    if done.button("Reopen assessment", width="stretch"):
        attempt(lambda: set_assessment_status(db(), assessment.id, "in_progress"))
        st.rerun()
    done.page_link(PAGES["results"], label="See the results", icon=":material/insights:")

if participant is not None:
    follow_the_facilitator(workshop)
