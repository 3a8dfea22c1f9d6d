-- pathbot schema, version 6, for PostgreSQL: as migrations/0006_slack_installs.sql.
CREATE TABLE slack_installations (
    team_id       TEXT PRIMARY KEY NOT NULL,
    enterprise_id TEXT NOT NULL DEFAULT '',
    bot_token     TEXT NOT NULL,
    bot_user_id   TEXT NOT NULL,
    bot_id        TEXT NOT NULL DEFAULT '',
    scopes        TEXT NOT NULL DEFAULT '',
    installer     TEXT NOT NULL DEFAULT '',
    installed_at  DOUBLE PRECISION NOT NULL
);

CREATE TABLE oauth_states (
    state      TEXT PRIMARY KEY NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);

CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);
-- Deleting a workspace's quiz cards (app_uninstalled) finds their sessions and results.
CREATE INDEX sessions_by_card ON sessions (card_id);
