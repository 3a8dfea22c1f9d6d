"""SQL for Slack installations, OAuth states and deleting a workspace (migration 0006),
shared by both engines in SQLite's `:name` form (`rows.dollar` for PostgreSQL)."""

from __future__ import annotations

from typing import Any

from bot.core.installs import Installation
from bot.storage.rows import Row

SAVE = """
INSERT INTO slack_installations (team_id, enterprise_id, bot_token, bot_user_id, bot_id,
                                 scopes, installer, installed_at)
VALUES (:team_id, :enterprise_id, :bot_token, :bot_user_id, :bot_id, :scopes, :installer,
        :installed_at)
ON CONFLICT (team_id) DO UPDATE SET
    enterprise_id = excluded.enterprise_id, bot_token = excluded.bot_token,
    bot_user_id = excluded.bot_user_id, bot_id = excluded.bot_id, scopes = excluded.scopes,
    installer = excluded.installer, installed_at = excluded.installed_at"""

GET = """
SELECT team_id, enterprise_id, bot_token, bot_user_id, bot_id, scopes, installer,
       installed_at FROM slack_installations WHERE team_id = :team_id"""

DELETE = "DELETE FROM slack_installations WHERE team_id = :team_id"

DROP_EXPIRED_STATES = "DELETE FROM oauth_states WHERE expires_at <= :now"
SAVE_STATE = "INSERT INTO oauth_states (state, expires_at) VALUES (:state, :expires_at)"
CONSUME_STATE = "DELETE FROM oauth_states WHERE state = :state AND expires_at > :now"

# The workspace's users, and anything on a quiz card posted in the workspace (a person from
# another workspace in a shared channel answered it there: it goes with the card).
_MINE = "platform = :platform AND workspace = :workspace"
_CARDS = "SELECT id FROM quiz_cards WHERE platform = :platform AND scope = :workspace"
_SESSIONS = f"SELECT id FROM sessions WHERE ({_MINE}) OR card_id IN ({_CARDS})"

SESSIONS_FOR_UPDATE = f"{_SESSIONS} FOR UPDATE"

# Cards elsewhere lose results: their tally changes (migration 0005's counter).
BUMP_OTHER_CARDS = f"""
UPDATE quiz_cards SET tally_seq = tally_seq + 1
WHERE id IN (SELECT card_id FROM results WHERE {_MINE})
  AND NOT (platform = :platform AND scope = :workspace)"""

# Children first, explicitly: rows removed by ON DELETE CASCADE would not be counted.
FORGET_WORKSPACE = (
    f"DELETE FROM answers WHERE session_id IN ({_SESSIONS})",
    f"DELETE FROM results WHERE ({_MINE}) OR card_id IN ({_CARDS})",
    f"DELETE FROM sessions WHERE ({_MINE}) OR card_id IN ({_CARDS})",
    f"DELETE FROM dm_status WHERE {_MINE}",
    f"DELETE FROM path_progress WHERE {_MINE}",
    f"DELETE FROM nudges WHERE {_MINE}",
    "DELETE FROM quiz_cards WHERE platform = :platform AND scope = :workspace",
)


def params(installation: Installation) -> dict[str, Any]:
    return {"team_id": installation.team_id, "enterprise_id": installation.enterprise_id,
            "bot_token": installation.bot_token, "bot_user_id": installation.bot_user_id,
            "bot_id": installation.bot_id, "scopes": installation.scopes,
            "installer": installation.installer, "installed_at": installation.installed_at}


def installation(row: Row) -> Installation:
    return Installation(
        team_id=str(row["team_id"]), enterprise_id=str(row["enterprise_id"]),
        bot_token=str(row["bot_token"]), bot_user_id=str(row["bot_user_id"]),
        bot_id=str(row["bot_id"]), scopes=str(row["scopes"]),
        installer=str(row["installer"]), installed_at=float(row["installed_at"]))
