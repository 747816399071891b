"""Questionnaire: answer one domain at a time; every answer is saved the moment it is given."""

from __future__ import annotations

import streamlit as st

from questionnaires.model import Question
from storage import save_answer, set_assessment_status
from storage.records import Answer
from ui.session import (
    PAGES,
    assessment_caption,
    attempt,
    db,
    go,
    recalled_int,
    remember,
    require_report,
)
from ui.text import md

NA_OPTION = "na"

view = require_report()
questionnaire = view.questionnaire
assessment = view.assessment

st.title("Questionnaire")
assessment_caption(view)

if not view.respondents:
    st.warning("This assessment has no respondent yet. Start it again from the Home page.")
    st.stop()

respondents = {r.id: r for r in view.respondents}
respondent_id = recalled_int("respondent")
if respondent_id not in respondents:
    respondent_id = view.respondents[0].id
if len(respondents) > 1:
    respondent_id = st.selectbox(
        "Answering as",
        list(respondents),
        index=list(respondents).index(respondent_id),
        format_func=lambda rid: respondents[rid].name,
    )
remember("respondent", respondent_id)
mine = view.answers_of(respondent_id)

# Progress of this respondent, overall and per domain.
answered = {qid for qid, a in mine.items() if a.is_answered}
total = len(questionnaire.questions)
st.progress(len(answered) / total, text=f"{len(answered)} of {total} questions answered")

domains = list(questionnaire.domains)
domain_ids = [d.id for d in domains]
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


chosen = st.segmented_control("Domain", domain_ids, format_func=domain_label, key=nav_key, required=True)
st.query_params["domain"] = chosen
st.session_state["remember-domain"] = chosen
domain = questionnaire.domain(chosen)

st.subheader(domain.name)
st.markdown(md(domain.description))
if assessment.status == "completed":
    st.info("This assessment is marked complete. You can still correct answers; results update at once.")


def widget_key(kind: str, question_id: str) -> str:
    return f"{kind}-{assessment.id}-{respondent_id}-{question_id}"


def stored(question_id: str) -> Answer | None:
    return mine.get(question_id)


def save(question: Question) -> None:
    """Save the question's level, N/A, comment and evidence as they stand in the widgets."""
    choice = st.session_state.get(widget_key("level", question.id))
    comment = st.session_state.get(widget_key("comment", question.id), "")
    evidence = st.session_state.get(widget_key("evidence", question.id), "")
    level = choice if isinstance(choice, int) else None
    attempt(
        lambda: save_answer(
            db(),
            questionnaire,
            assessment.id,
            respondent_id,
            question.id,
            level,
            na=choice == NA_OPTION,
            comment=comment or "",
            evidence=evidence or "",
        )
    )


def clear(question: Question) -> None:
    st.session_state[widget_key("level", question.id)] = None
    save(question)


def level_text(question: Question, option: int | str) -> str:
    if option == NA_OPTION:
        return "**N/A** · this practice does not apply to us"
    name = questionnaire.level(int(option)).name
    return f"**{option} {md(name)}** · {md(question.levels[int(option)])}"


for question in questionnaire.questions_in(domain.id):
    answer = stored(question.id)
    # Widgets start from what is stored, so a refresh or another device shows the saved answer.
    level_key = widget_key("level", question.id)
    if level_key not in st.session_state:
        st.session_state[level_key] = (
            NA_OPTION if answer is not None and answer.na else (answer.level if answer is not None else None)
        )
    for kind, value in (("comment", answer.comment if answer else ""), ("evidence", answer.evidence if answer else "")):
        if widget_key(kind, question.id) not in st.session_state:
            st.session_state[widget_key(kind, question.id)] = value

    with st.container(border=True, key=f"question-{question.id}"):
        st.markdown(f"**{question.id}** · {md(question.text)}")
        with st.expander("Guidance and evidence examples"):
            st.markdown(md(question.guidance))
            st.markdown("Evidence that would support an answer:")
            st.markdown("\n".join(f"- {md(example)}" for example in question.evidence))
            if question.references:
                refs = "; ".join(f"{r.standard} {r.ref}" for r in question.references)
                st.caption(f"References: {md(refs)}")
        options: list[int | str] = list(questionnaire.level_numbers)
        if question.na_allowed:
            options.append(NA_OPTION)
        st.radio(
            f"Level for {question.id}",
            options,
            key=level_key,
            format_func=lambda option, q=question: level_text(q, option),
            on_change=save,
            args=(question,),
            label_visibility="collapsed",
        )
        left, right = st.columns(2)
        left.text_area(
            "Comment",
            key=widget_key("comment", question.id),
            on_change=save,
            args=(question,),
            height=68,
            placeholder="Why this level? Saved when you leave the field.",
        )
        right.text_area(
            "Evidence",
            key=widget_key("evidence", question.id),
            on_change=save,
            args=(question,),
            height=68,
            placeholder="Where the evidence is (document, link, owner).",
        )
        if st.session_state[level_key] is not None:
            st.button(
                "Clear answer", key=widget_key("clear", question.id), on_click=clear, args=(question,), type="tertiary"
            )

index = domain_ids.index(chosen)
back, forward, done = st.columns(3)
if index > 0:
    back.button(f"← {domains[index - 1].name}", width="stretch", on_click=go_to_domain, args=(domain_ids[index - 1],))
if index < len(domains) - 1:
    forward.button(
        f"{domains[index + 1].name} →", width="stretch", on_click=go_to_domain, args=(domain_ids[index + 1],)
    )

if assessment.status != "completed":
    missing = total - len(answered)
    if (
        done.button("Mark assessment complete", type="primary", width="stretch")
        and attempt(lambda: set_assessment_status(db(), assessment.id, "completed")) is not None
    ):
        go("results", assessment=assessment.id)
    if missing:
        done.caption(f"{missing} question(s) still unanswered: results stay provisional until they are answered.")
else:
    if done.button("Reopen assessment", width="stretch"):
        attempt(lambda: set_assessment_status(db(), assessment.id, "in_progress"))
        st.rerun()
    done.page_link(PAGES["results"], label="See the results", icon=":material/insights:")
