-- pathbot schema, version 6: the shared Slack app installed by OAuth in many workspaces.
--
-- slack_installations one row per workspace (team id): the bot token (as it is, or
--                     encrypted with PATHBOT_SECRET_KEY: "fernet:…"), who installed it,
--                     when. Deleted on app_uninstalled / tokens_revoked.
-- oauth_states        the `state` of each "Add to Slack" link, single-use, until it expires
--                     (ten minutes): in the database so any replica can finish the flow.
CREATE TABLE slack_installations (
    team_id       TEXT PRIMARY KEY NOT NULL,
    enterprise_id TEXT NOT NULL DEFAULT '',
    bot_token     TEXT NOT NULL,
    bot_user_id   TEXT NOT NULL,
    bot_id        TEXT NOT NULL DEFAULT '',
    scopes        TEXT NOT NULL DEFAULT '',
    installer     TEXT NOT NULL DEFAULT '',
    installed_at  REAL NOT NULL
);

CREATE TABLE oauth_states (
    state      TEXT PRIMARY KEY NOT NULL,
    expires_at REAL NOT NULL
);

CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);
-- Deleting a workspace's quiz cards (app_uninstalled) finds their sessions and results.
CREATE INDEX sessions_by_card ON sessions (card_id);
