"""Starting an assessment: the assessment and its first respondent, together or not at all."""

from __future__ import annotations

from datetime import date

from sqlite_utils import Database

from questionnaires.model import Questionnaire
from storage.assessments import create_assessment
from storage.records import Assessment, Respondent
from storage.respondents import get_or_create_respondent
from storage.transactions import write_transaction


def start_assessment(
    db: Database,
    organisation_id: int,
    questionnaire: Questionnaire,
    label: str,
    assessment_date: date,
    respondent_name: str,
) -> tuple[Assessment, Respondent]:
    """Create an assessment with its first respondent; when either is refused, neither is stored."""
    with write_transaction(db):
        assessment = create_assessment(db, organisation_id, questionnaire, label, assessment_date)
        respondent = get_or_create_respondent(db, assessment.id, respondent_name)
    return assessment, respondent
