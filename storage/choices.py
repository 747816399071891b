"""The fixed lists users choose from: organisation attributes and workflow statuses.

The UI imports these to fill its select boxes, and storage checks every value against them,
so a value shown in the app is always one the database accepts.
"""

from __future__ import annotations

from datetime import date
from typing import Final, Literal

INDUSTRIES: Final[tuple[str, ...]] = (
    "Financial services",
    "Healthcare",
    "Public sector",
    "Retail",
    "Manufacturing",
    "Energy and utilities",
    "Technology",
    "Telecommunications",
    "Transport and logistics",
    "Education",
    "Other",
)

SIZE_BANDS: Final[tuple[str, ...]] = (
    "Under 250 employees",
    "250-999 employees",
    "1,000-4,999 employees",
    "5,000 employees and more",
)

REGIONS: Final[tuple[str, ...]] = (
    "Europe",
    "North America",
    "Latin America",
    "Asia-Pacific",
    "Middle East and Africa",
)

AssessmentStatus = Literal["in_progress", "completed"]
ASSESSMENT_STATUSES: Final[tuple[AssessmentStatus, ...]] = ("in_progress", "completed")

RoadmapStatus = Literal["planned", "in_progress", "done", "dropped"]
ROADMAP_STATUSES: Final[tuple[RoadmapStatus, ...]] = ("planned", "in_progress", "done", "dropped")

# Longest text accepted per field. Names are short labels; free text gets room for a
# workshop's worth of notes while keeping a single row from growing without bound.
MAX_ORGANISATION_NAME: Final = 200
MAX_LABEL: Final = 50
MAX_PERSON_NAME: Final = 100
MAX_ROLE: Final = 100
MAX_OWNER: Final = 200
MAX_FREE_TEXT: Final = 20_000

# An assessment date is a real date of the assessment: not before the first continuity standards
# this questionnaire draws on were in use, and not more than a year ahead (a planned assessment).
EARLIEST_ASSESSMENT_DATE: Final = date(2000, 1, 1)
MAX_DAYS_AHEAD: Final = 366

# Roles of signed-in users (shared mode). The access layer decides what each may do; the database
# refuses any other value too (migration 3's CHECK constraint).
Role = Literal["administrator", "consultant", "viewer"]
ROLES: Final[tuple[Role, ...]] = ("administrator", "consultant", "viewer")

# RFC 5321 limits a forward path to 256 characters, so an address that can receive mail is at most 254.
MAX_EMAIL: Final = 254
# Who did something, as the audit log and participant links name them: an e-mail address with room
# for a description, e.g. "command line (alice)" or "participant link 12 (Ana Lopez)".
MAX_ACTOR: Final = 300
MAX_AUDIT_ACTION: Final = 100
# A participant link lasts at least a day and at most a year.
MIN_LINK_DAYS: Final = 1
MAX_LINK_DAYS: Final = 365

# The service register and the exercise and incident log (evidence.model holds the tiers, kinds and statuses).
MAX_SERVICE_NAME: Final = 200
MAX_PROVIDER_NAME: Final = 200
MAX_EXERCISE_TITLE: Final = 200
MAX_SERVICES: Final = 2_000
MAX_EXERCISES: Final = 2_000
MAX_FINDINGS_PER_EXERCISE: Final = 500
MAX_LINKS_PER_SERVICE: Final = 200
"""Most dependencies, and most providers, one service may list."""
# A finding may be due some years ahead, further than an assessment may be planned.
MAX_DUE_DAYS_AHEAD: Final = 10 * 366
