"""Results: overall and domain stages and scores, targets, charts, strengths and weaknesses, the rules."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from access import Action, require
from exports.report import answers_by_respondent, confidence_by_domain, evidenced_score
from questionnaires.coverage import coverage_table
from questionnaires.model import Question
from scoring import QuestionResult
from scoring.business_case import MULTIPLE_STEP, default_assumptions
from scoring.confidence import confidence_rule
from scoring.explain import explain_domain
from scoring.overall_reason import overall_stage_reason
from storage import get_workshop, set_target
from ui.access import allowed, current_actor
from ui.charts import question_heatmap, radar
from ui.downloads import report_buttons, workbook_button
from ui.levels import level_label, style_levels
from ui.session import PAGES, attempt, db, page_header, require_report
from ui.text import md

view = require_report()
questionnaire = view.questionnaire
score = view.score
overall = score.overall
scale = questionnaire.level_numbers
threshold = questionnaire.scoring.stage_threshold
spread = questionnaire.scoring.disagreement_spread

page_header("Results", view)
may_plan = allowed(Action.PLAN, organisation_id=view.organisation.id)
workbook_button(view, key="results-workbook")
report_buttons(view, key="results-report")

if overall.answered == 0:
    st.info("No answers yet. Answer the questions first; results appear here as you go.", icon=":material/info:")
    st.page_link(PAGES["questionnaire"], label="Go to the questionnaire", icon=":material/checklist:")
    st.stop()

if overall.provisional:
    st.warning(
        f"Provisional: {overall.answered} of {overall.total} questions answered ({overall.completeness:.0%}). "
        "Stages can still change as the remaining questions are answered.",
        icon=":material/hourglass_top:",
    )

# The organisation's register and log, checked against the answers; None when it keeps neither.
evidenced = evidenced_score(db(), view)
confidence = confidence_by_domain(view, evidenced)


def stage_words(stage: int | None) -> str:
    return level_label(questionnaire, stage) if stage is not None else "none yet"


def score_words(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "–"


stage_text = stage_words(overall.stage)
score_text = score_words(overall.score)
# With a register or log, each metric also says what the facts support, under the value as answered.
stage_delta: dict[str, object] = {}
score_delta: dict[str, object] = {}
if evidenced is not None:
    facts = evidenced.evidenced.overall
    stage_delta = {"delta": f"{stage_words(facts.stage)} as evidenced", "delta_color": "off", "delta_arrow": "off"}
    if overall.score is not None and facts.score is not None:
        score_delta = {"delta": round(facts.score - overall.score, 2), "delta_description": "as evidenced"}
    else:
        score_delta = {"delta": f"{score_words(facts.score)} as evidenced", "delta_color": "off", "delta_arrow": "off"}
a, b, c = st.columns(3)
a.metric(
    "Overall stage",
    stage_text,
    help="The lowest domain stage: an organisation is as mature as its weakest area."
    if questionnaire.scoring.overall_stage == "lowest_domain"
    else "The overall score rounded down.",
    border=True,
    **stage_delta,  # type: ignore[arg-type]
)
a.caption(md(overall_stage_reason(questionnaire, score).sentence))
b.metric("Overall score", score_text, border=True, **score_delta)  # type: ignore[arg-type]
c.metric("Completeness", f"{overall.completeness:.0%}", border=True)

st.subheader("By domain")
table = pd.DataFrame(
    [
        {
            "Domain": d.name,
            "Stage": d.stage,
            "Score": None if d.score is None else round(d.score, 2),
            "Target": d.target,
            "Gap": d.gap,
            "Answered": f"{d.answered}/{d.total}",
            "Status": "provisional" if d.provisional else "complete",
            "Confidence": confidence[d.domain_id].level or "–",
        }
        for d in score.domains
    ]
)
st.dataframe(
    style_levels(table, ["Stage", "Score", "Target"], scale),
    hide_index=True,
    column_config={
        "Stage": st.column_config.NumberColumn(help=f"Highest level reached by {threshold:.0%} of the answered weight"),
        "Gap": st.column_config.NumberColumn(help="Target minus stage; negative means above target"),
        "Confidence": st.column_config.TextColumn(
            help="How far the result can be trusted: fresh dated evidence, respondents who agree, claims the "
            "facts support (see What lowers confidence)"
        ),
    },
)
lowered = [(d, confidence[d.domain_id]) for d in score.domains if confidence[d.domain_id].reasons]
if lowered:
    with st.expander("What lowers confidence", icon=":material/rule:"):
        for domain, found in lowered:
            st.markdown(f"**{md(domain.name)}: {found.level}**")
            st.markdown("\n".join(f"- {md(reason)}." for reason in found.reasons))

if evidenced is None:
    st.caption(
        "This organisation has no service register or exercise and incident log yet. With them (Evidence page) "
        "the app checks the answers that claim tested recoveries, met recovery times and reviewed objectives "
        "against the facts, and shows each level as answered and as evidenced."
    )
else:
    st.subheader("As answered and as evidenced")
    st.caption(
        "Answers that claim what the service register and the exercise and incident log can test are checked "
        "against them; a claim the facts don't support is scored at the level the facts support. Questions "
        "with no declared check count as answered."
    )
    claims_in = {
        d.domain_id: [claim for q in evidenced.questions.values() if q.domain_id == d.domain_id for claim in q.claims]
        for d in score.domains
    }
    as_evidenced = {d.domain_id: d for d in evidenced.evidenced.domains}
    st.dataframe(
        pd.DataFrame(
            [
                *(
                    {
                        "Domain": d.name,
                        "Stage as answered": d.stage,
                        "Stage as evidenced": as_evidenced[d.domain_id].stage,
                        "Score as answered": None if d.score is None else round(d.score, 2),
                        "Score as evidenced": (
                            None
                            if as_evidenced[d.domain_id].score is None
                            else round(as_evidenced[d.domain_id].score, 2)
                        ),
                        "Unsupported claims": len(claims_in[d.domain_id]),
                    }
                    for d in score.domains
                ),
                {
                    "Domain": "Overall",
                    "Stage as answered": overall.stage,
                    "Stage as evidenced": evidenced.evidenced.overall.stage,
                    "Score as answered": None if overall.score is None else round(overall.score, 2),
                    "Score as evidenced": (
                        None
                        if evidenced.evidenced.overall.score is None
                        else round(evidenced.evidenced.overall.score, 2)
                    ),
                    "Unsupported claims": len(evidenced.claims),
                },
            ]
        ),
        hide_index=True,
    )
    st.markdown("**Claims the facts don't support**")
    if not evidenced.claims:
        st.success("The register and the log support every claim they can test.", icon=":material/verified:")
    for d in score.domains:
        if claims_in[d.domain_id]:
            st.markdown(f"*{md(d.name)}*")
            st.markdown("\n".join(f"- {md(claim.sentence)}" for claim in claims_in[d.domain_id]))

left, right = st.columns(2)
with left:
    st.plotly_chart(radar(score, questionnaire), key="radar", config={"displaylogo": False})
with right:
    st.markdown("**Targets**")
    st.caption("The level each domain should reach. Changing a target updates the gaps and the roadmap.")
    for domain in questionnaire.domains:
        key = f"target-{view.assessment.id}-{domain.id}"
        if key not in st.session_state:
            st.session_state[key] = view.targets[domain.id]
        st.select_slider(
            domain.name,
            options=list(scale),
            key=key,
            format_func=lambda level: level_label(questionnaire, level),
            on_change=lambda d=domain.id, k=key: attempt(
                lambda: (
                    require(current_actor(), Action.PLAN, organisation_id=view.organisation.id),
                    set_target(db(), questionnaire, view.assessment.id, d, st.session_state[k]),
                )
            ),
            disabled=not may_plan,
        )

st.subheader("Practices by domain")
st.plotly_chart(question_heatmap(score, questionnaire), key="heatmap", config={"displaylogo": False})

answered = [
    (questionnaire.question(qid), result)
    for qid, result in score.questions.items()
    if result.answered and not result.na and result.level is not None
]
weights = {d.id: d.weight for d in questionnaire.domains}


def practice_list(rows: list[tuple[Question, QuestionResult]]) -> str:
    """The practices as a markdown list, each with its level, id, weight and whole question."""
    return "\n".join(
        f"- **{md(level_label(questionnaire, r.level))}** · {md(q.id)}, weight {q.weight}: {md(q.text)}"
        for q, r in rows
    )


strong = sorted(answered, key=lambda qr: (-qr[1].level, -qr[0].weight * weights[qr[0].domain], qr[0].id))[:5]
weak = sorted(answered, key=lambda qr: (qr[1].level, -qr[0].weight * weights[qr[0].domain], qr[0].id))[:5]
left, right = st.columns(2)
with left:
    st.markdown("**Strongest practices**")
    st.markdown(practice_list(strong))
with right:
    st.markdown("**Weakest practices** (highest weight first among equals)")
    st.markdown(practice_list(weak))

disagreements = [r for r in score.questions.values() if r.disagreement]
if disagreements:
    st.markdown(f"**Disagreements** ({len(disagreements)}): respondents' levels differ by {spread} or more.")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Practice": r.question_id,
                    "Levels given": ", ".join(str(level) for level in r.respondent_levels),
                    "Spread": r.spread,
                    "Used": "N/A" if r.na else r.level,
                    "From": "consensus" if r.from_consensus else "lower median",
                }
                for r in disagreements
            ]
        ),
        hide_index=True,
    )

if len(view.respondents) > 1:
    st.subheader("Answers by respondent")
    workshop = get_workshop(db(), view.assessment.id)
    hidden = list(workshop.hidden_votes(view.questionnaire.questions))
    by_question = answers_by_respondent(view, hidden=hidden)
    left_out = ""
    if len(hidden) == 1:
        left_out = f" {md(hidden[0])} is left out while the room votes on it (votes hidden until revealed)."
    elif hidden:
        left_out = f" {md(', '.join(hidden))} are left out while the room votes on them (votes hidden until revealed)."
    st.caption(
        "Who answered what, for every question someone answered; the result is the agreed answer (consensus) "
        "where the room agreed one, else the lower median." + left_out
    )
    fixed = ("Question", "Spread", "Result", "From", "Rationale")
    people = [r.name if r.name not in fixed else f"{r.name} (respondent)" for r in view.respondents]

    def given(level: int | None, na: bool) -> str:
        return "N/A" if na else "" if level is None else str(level)

    by_respondent = pd.DataFrame(
        [
            {
                "Question": q.question_id,
                **{column: given(a.level, a.na) for column, a in zip(people, q.answers, strict=True)},
                "Spread": q.spread,
                "Result": given(q.level, q.na),
                "From": (f"consensus ({q.agreed_by})" if q.agreed_by else "consensus") if q.agreed else "lower median",
                "Rationale": q.rationale,
            }
            for q in by_question
        ],
        columns=["Question", *people, "Spread", "Result", "From", "Rationale"],
    )
    st.dataframe(
        style_levels(by_respondent, [*people, "Result"], scale),
        hide_index=True,
        column_config={
            "Spread": st.column_config.NumberColumn(
                help=f"Highest minus lowest level given; {spread} or more is a disagreement"
            ),
            "Rationale": st.column_config.TextColumn(width="large"),
        },
    )

st.page_link(PAGES["roadmap"], label="See the improvement roadmap", icon=":material/route:")

with st.expander("Coverage by standard", icon=":material/menu_book:"):
    st.caption(
        "Which questions of this questionnaire touch which clause, control or article of the standards. "
        "A question's references are listed with its guidance."
    )
    coverage = coverage_table(questionnaire)
    standards = list(dict.fromkeys(coverage["standard"]))
    picked = st.multiselect("Standards", standards, default=standards, key="coverage-standards")
    st.dataframe(
        coverage[coverage["standard"].isin(picked)],
        hide_index=True,
        # The export keeps the short column names; the page names them in words, like every other table.
        column_config={
            "standard": "Standard",
            "ref": st.column_config.TextColumn("Reference", help="Clause, control, article or practice."),
            "questions": "Questions",
            "domains": st.column_config.TextColumn("Domains", help="Domain ids: each question's id starts with one."),
        },
    )

with st.expander("How scoring works", icon=":material/calculate:"):
    weights = sorted({question.weight for question in questionnaire.questions})
    weight_range = f"of {weights[0]}" if len(weights) == 1 else f"from {weights[0]} to {weights[-1]}"
    assumed = default_assumptions(questionnaire)
    multiples = ", ".join(f"{assumed.rto_multiples[level]:g}" for level in scale)
    what_if = (
        "**What raises the overall stage** (Roadmap page): the overall stage rises only when every domain at that "
        "stage reaches the next level. The what-if finds the smallest set of roadmap steps that does it: fewest "
        "steps, then fewest effort points, then the steps earliest in the roadmap. A practice counts at the next "
        "level only with all its steps up to it; steps above the next level are never needed. The search is exact. "
        "Where a domain's target is not above the overall stage the roadmap has no steps to the next level there, "
        "and the page says which targets to raise."
        if questionnaire.scoring.overall_stage == "lowest_domain"
        else "**What raises the overall stage** is not computed: the what-if covers the weakest-link rule only, and "
        "here the overall stage is the overall score rounded down."
    )
    st.markdown(
        f"""
- Each question gets a level ({scale[0]}-{scale[-1]}), N/A where the question allows it, or no answer yet.
- **Domain score** = the weighted mean of the answered, non-N/A levels (each question has a weight {weight_range}).
- **Domain stage** = the highest level L such that the questions answered at L or above carry at least
  {threshold:.0%} of the domain's answered, non-N/A weight.
- **Overall score** = the weighted mean of the domain scores (domain weights).
- **Overall stage** = {"the lowest domain stage (the weakest link)" if questionnaire.scoring.overall_stage == "lowest_domain" else "the overall score rounded down"};
  there is none while a domain has no answers.
- **N/A** answers count neither for nor against a domain. **Completeness** = answered (N/A included) / all
  questions; results under 100 % are provisional.
- **Several respondents**: the facilitator's consensus if set, else the median of their levels rounded down;
  a spread of {spread} or more levels flags a disagreement.
- **Gap** = target - stage.
- A domain's **confidence** {confidence_rule(questionnaire)}.
- {what_if}
- **Business case** (Roadmap page, from the service register): a service's exposure a year = downtime cost per
  hour x the hours by which its recovery exceeds its RTO (none when within it) x the expected disruptions a year
  (an assumption set per organisation, default {assumed.disruptions_per_year:g}). Its recovery is the one its
  last recovery test measured; without one, its RTO x the multiple assumed for its answered capability level (by
  default {multiples} for levels {scale[0]}-{scale[-1]}: 1 at the second-highest level and above,
  {MULTIPLE_STEP:g} more for each level below; a higher level is never slower). Its capability level is the
  lowest domain stage of the answered questions that protect it (a question protects the tiers its checks name,
  else those its domain's checks cover, else every tier); its exposure counts in that domain. After each roadmap
  phase every practice is at the level its steps so far reach; the exposure a phase removes is the fall over
  that phase. A service without a downtime cost counts nowhere, and a register in several currencies is not
  summed.
"""
    )
    example = next((d for d in score.domains if d.score is not None), None)
    if example is not None:
        explanation = explain_domain(questionnaire, score.questions, example.domain_id)
        st.markdown(f"**Worked example: {md(example.name)}** in this assessment")
        st.markdown(f"Score = {md(explanation.formula())}")
        if explanation.not_applicable:
            st.markdown(f"Left out as N/A: {', '.join(explanation.not_applicable)}.")
        if explanation.unanswered:
            st.markdown(f"Not answered yet: {', '.join(explanation.unanswered)}.")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Level": level_label(questionnaire, s.level),
                        "Weight at or above": f"{s.weight_at_or_above:g} of {explanation.denominator:g}",
                        "Share": f"{s.share:.0%}",
                        f"Reaches {threshold:.0%}": "yes" if s.reaches_threshold else "no",
                    }
                    for s in explanation.shares
                ]
            ),
            hide_index=True,
        )
        stage_name = level_label(questionnaire, explanation.stage) if explanation.stage is not None else "none"
        st.markdown(f"Stage = the highest level that reaches {threshold:.0%}: **{md(stage_name)}**.")
