"""The storage layer: SQLite through sqlite-utils, the only place in the project with SQL.

Pages call these functions with a connection from `connect()` and get frozen dataclasses
back (see storage.records); invalid input raises a StorageError before anything is written.

The names below load their module on first use, so a command that needs only the storage errors or
paths (or none of it) does not pay for sqlite-utils and every table module at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Each public name and the module that defines it.
_MODULES: dict[str, str] = {
    "AssessmentContent": "storage.content",
    "ENV_VAR": "storage.paths",
    "LATEST_VERSION": "storage.migrations",
    "Upgrade": "storage.upgrade",
    "WorkshopError": "storage.workshop",
    "add_respondent": "storage.respondents",
    "add_user": "storage.users",
    "agree": "storage.workshop",
    "answer_history": "storage.answers",
    "answered_count": "storage.workshop",
    "assign_organisations": "storage.users",
    "backup_database": "storage.backup",
    "benchmark_data": "storage.benchmark",
    "clear_consensus": "storage.consensus",
    "close_item": "storage.workshop",
    "close_thread_connections": "storage.connection",
    "connect": "storage.connection",
    "create_assessment": "storage.assessments",
    "create_organisation": "storage.organisations",
    "database_path": "storage.paths",
    "delete_assessment": "storage.changes",
    "delete_organisation": "storage.changes",
    "find_link": "storage.links",
    "get_answer": "storage.answers",
    "get_assessment": "storage.assessments",
    "get_link": "storage.links",
    "get_or_create_respondent": "storage.respondents",
    "get_organisation": "storage.organisations",
    "get_respondent": "storage.respondents",
    "get_user": "storage.users",
    "get_user_by_email": "storage.users",
    "get_workshop": "storage.workshop",
    "insert_link": "storage.links",
    "list_answers": "storage.answers",
    "list_assessments": "storage.assessments",
    "list_audit": "storage.audit",
    "list_benchmark_imports": "storage.benchmark",
    "list_consensus": "storage.consensus",
    "list_items": "storage.workshop",
    "list_links": "storage.links",
    "list_organisations": "storage.organisations",
    "list_respondents": "storage.respondents",
    "list_roadmap_items": "storage.roadmap",
    "list_targets": "storage.targets",
    "list_users": "storage.users",
    "load_evidence": "storage.evidence",
    "migrate": "storage.migrations",
    "next_round": "storage.workshop",
    "open_database": "storage.connection",
    "open_item": "storage.workshop",
    "preview_assessment_deletion": "storage.changes",
    "preview_organisation_deletion": "storage.changes",
    "progress": "storage.workshop",
    "record_benchmark_import": "storage.benchmark",
    "record_event": "storage.audit",
    "rename_assessment": "storage.changes",
    "rename_organisation": "storage.changes",
    "rename_respondent": "storage.changes",
    "reopen_item": "storage.workshop",
    "reveal": "storage.workshop",
    "revoke_link": "storage.links",
    "save_answer": "storage.answers",
    "save_log": "storage.evidence",
    "save_register": "storage.evidence",
    "save_roadmap_item": "storage.roadmap",
    "schema_version": "storage.migrations",
    "set_active": "storage.users",
    "set_assessment_status": "storage.assessments",
    "set_consensus": "storage.consensus",
    "set_mode": "storage.workshop",
    "set_role": "storage.users",
    "set_target": "storage.targets",
    "update_answer": "storage.answers",
    "upgrade_assessment": "storage.upgrade",
    "write_assessment_content": "storage.content",
    "write_transaction": "storage.transactions",
}


def __getattr__(name: str) -> Any:
    """Import the module that defines `name` on first use and keep the name here."""
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULES))


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
