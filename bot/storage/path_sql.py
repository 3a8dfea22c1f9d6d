"""Statements for learning-path progress and reminders, shared by both engines.

Written with `:name` parameters (SQLite); the PostgreSQL store turns them into `$n` with
`rows.dollar`. Each write is one conditional statement, so its effect is decided by the
database, not by a read before it: a double press or a second process changes a stage
once, and a due reminder is claimed by exactly one process.
"""

from __future__ import annotations

from typing import Any

from bot.core.models import UserRef
from bot.core.records import Nudge
from bot.storage.rows import USER, Row, user_params

MARK_DONE = """
INSERT INTO path_progress (platform, workspace, user_id, role, stage, scope, done_at)
VALUES (:platform, :workspace, :user_id, :role, :stage, :scope, :now)
ON CONFLICT (platform, workspace, user_id, role, stage) DO NOTHING"""

MARK_UNDONE = f"DELETE FROM path_progress WHERE {USER} AND role = :role AND stage = :stage"

STAGES_DONE = f"SELECT stage FROM path_progress WHERE {USER} AND role = :role"

# People per (role, stages done), counting each person where they last ticked a stage.
PROGRESS_COUNTS = """
SELECT role, done, count(*) AS people FROM (
    SELECT p.role, count(*) AS done FROM path_progress AS p
    WHERE p.platform = :platform AND (
        SELECT q.scope FROM path_progress AS q
        WHERE q.platform = p.platform AND q.workspace = p.workspace AND q.user_id = p.user_id
        ORDER BY q.done_at DESC LIMIT 1) = :scope
    GROUP BY p.workspace, p.user_id, p.role
) AS per_person GROUP BY role, done ORDER BY role, done"""

FINISHED_SINCE = """
SELECT created_at FROM results
WHERE platform = :platform AND scope = :scope AND created_at >= :since ORDER BY created_at"""

SET_NUDGE = """
INSERT INTO nudges (platform, workspace, user_id, role, scope, every_s, due_at, stopped)
VALUES (:platform, :workspace, :user_id, :role, :scope, :every, :due_at, :stopped)
ON CONFLICT (platform, workspace, user_id) DO UPDATE SET role = :role, scope = :scope,
    every_s = :every, due_at = :due_at, stopped = :stopped"""

GET_NUDGE = f"SELECT * FROM nudges WHERE {USER}"

STOP_NUDGE = f"UPDATE nudges SET stopped = :reason WHERE {USER} AND stopped = ''"

CLEAR_NUDGE = f"DELETE FROM nudges WHERE {USER}"

DUE_NUDGES = """
SELECT * FROM nudges WHERE stopped = '' AND due_at <= :now ORDER BY due_at LIMIT :limit"""

# Claim one due reminder: only if it is still the one read (same due time, still on).
CLAIM_NUDGE = f"""
UPDATE nudges SET due_at = :next_due
WHERE {USER} AND due_at = :due_at AND stopped = ''"""

RESCHEDULE_NUDGE = f"UPDATE nudges SET due_at = :due_at WHERE {USER} AND stopped = ''"

# What /forget deletes besides the quiz rows (children of nothing: order is free).
FORGET = (f"DELETE FROM path_progress WHERE {USER}", f"DELETE FROM nudges WHERE {USER}")


def stage_params(user: UserRef, role: str, stage: str, scope: str = "",
                 now: float = 0.0) -> dict[str, Any]:
    return {**user_params(user), "role": role, "stage": stage, "scope": scope, "now": now}


def nudge_params(nudge: Nudge) -> dict[str, Any]:
    return {**user_params(nudge.user), "role": nudge.role, "scope": nudge.scope,
            "every": nudge.every, "due_at": nudge.due_at, "stopped": nudge.stopped}


def nudge(row: Row) -> Nudge:
    return Nudge(UserRef(str(row["platform"]), str(row["workspace"]), str(row["user_id"])),
                 str(row["role"]), str(row["scope"]), float(row["every_s"]),
                 float(row["due_at"]), row["stopped"])


def progress(found: list[Any]) -> dict[str, dict[int, int]]:
    counts: dict[str, dict[int, int]] = {}
    for row in found:
        counts.setdefault(str(row["role"]), {})[int(row["done"])] = int(row["people"])
    return counts
