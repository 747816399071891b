"""The storage layer: SQLite through sqlite-utils, the only place in the project with SQL.

Pages call these functions with a connection from `connect()` and get frozen dataclasses
back (see storage.records); invalid input raises a StorageError before anything is written.
"""

from storage.answers import answer_history, get_answer, list_answers, save_answer, update_answer
from storage.assessments import create_assessment, get_assessment, list_assessments, set_assessment_status
from storage.audit import list_audit, record_event
from storage.backup import backup_database
from storage.benchmark import benchmark_data, list_benchmark_imports, record_benchmark_import
from storage.changes import (
    delete_assessment,
    delete_organisation,
    preview_assessment_deletion,
    preview_organisation_deletion,
    rename_assessment,
    rename_organisation,
    rename_respondent,
)
from storage.connection import close_thread_connections, connect, open_database
from storage.consensus import clear_consensus, list_consensus, set_consensus
from storage.content import AssessmentContent, write_assessment_content
from storage.evidence import load_evidence, save_log, save_register
from storage.links import find_link, get_link, insert_link, list_links, revoke_link
from storage.migrations import LATEST_VERSION, migrate, schema_version
from storage.organisations import create_organisation, get_organisation, list_organisations
from storage.paths import ENV_VAR, database_path
from storage.respondents import add_respondent, get_or_create_respondent, get_respondent, list_respondents
from storage.roadmap import list_roadmap_items, save_roadmap_item
from storage.targets import list_targets, set_target
from storage.transactions import write_transaction
from storage.upgrade import Upgrade, upgrade_assessment
from storage.users import (
    add_user,
    assign_organisations,
    get_user,
    get_user_by_email,
    list_users,
    set_active,
    set_role,
)
from storage.workshop import (
    WorkshopError,
    agree,
    answered_count,
    close_item,
    get_workshop,
    list_items,
    next_round,
    open_item,
    progress,
    reopen_item,
    reveal,
    set_mode,
)

__all__ = [
    "ENV_VAR",
    "LATEST_VERSION",
    "AssessmentContent",
    "Upgrade",
    "WorkshopError",
    "add_respondent",
    "add_user",
    "agree",
    "answer_history",
    "answered_count",
    "assign_organisations",
    "backup_database",
    "benchmark_data",
    "clear_consensus",
    "close_item",
    "close_thread_connections",
    "connect",
    "create_assessment",
    "create_organisation",
    "database_path",
    "delete_assessment",
    "delete_organisation",
    "find_link",
    "get_answer",
    "get_assessment",
    "get_link",
    "get_or_create_respondent",
    "get_organisation",
    "get_respondent",
    "get_user",
    "get_user_by_email",
    "get_workshop",
    "insert_link",
    "list_answers",
    "list_assessments",
    "list_audit",
    "list_benchmark_imports",
    "list_consensus",
    "list_items",
    "list_links",
    "list_organisations",
    "list_respondents",
    "list_roadmap_items",
    "list_targets",
    "list_users",
    "load_evidence",
    "migrate",
    "next_round",
    "open_database",
    "open_item",
    "preview_assessment_deletion",
    "preview_organisation_deletion",
    "progress",
    "record_benchmark_import",
    "record_event",
    "rename_assessment",
    "rename_organisation",
    "rename_respondent",
    "reopen_item",
    "reveal",
    "revoke_link",
    "save_answer",
    "save_log",
    "save_register",
    "save_roadmap_item",
    "schema_version",
    "set_active",
    "set_assessment_status",
    "set_consensus",
    "set_mode",
    "set_role",
    "set_target",
    "update_answer",
    "upgrade_assessment",
    "write_assessment_content",
    "write_transaction",
]
