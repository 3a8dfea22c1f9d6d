-- pathbot schema, version 1: quiz cards, quiz sessions, their answers, and results.
--
-- Conventions (see bot/storage/migrate.py for how this file is run):
--   * one transaction per file, run by the migration runner; no BEGIN/COMMIT here;
--   * every statement ends with ';' (triggers are fine: statements are split with
--     sqlite3.complete_statement, so the ';' inside BEGIN ... END does not split them);
--   * times are Unix seconds (REAL); ids are the service's opaque TEXT ids;
--   * a user is (platform, workspace, user_id): workspace is '' on Discord, the team id on
--     Slack;
--   * only SQL that SQLite 3.25 understands (no STRICT tables, no RETURNING).

-- An in-channel "Which path fits you?" message. Not personal data: /forget keeps it.
CREATE TABLE quiz_cards (
    id          TEXT PRIMARY KEY NOT NULL,
    platform    TEXT NOT NULL,
    scope       TEXT NOT NULL,               -- Discord guild / Slack team, '' for a DM
    channel_id  TEXT NOT NULL,
    message_ref TEXT NOT NULL DEFAULT '',    -- the platform's message id, once posted
    created_at  REAL NOT NULL
);

-- One person's run through the quiz. Every session starts from a card (the service
-- creates one for each /quiz, the console included), hence the foreign key.
CREATE TABLE sessions (
    id              TEXT PRIMARY KEY NOT NULL,
    platform        TEXT NOT NULL,
    workspace       TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    scope           TEXT NOT NULL,
    channel_id      TEXT NOT NULL,
    card_id         TEXT NOT NULL REFERENCES quiz_cards (id),
    content_version TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'finished')),
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL
);

-- find_active_session (user + card + status, newest first) and /forget (user prefix).
-- No index on card_id alone: cards are never deleted, so the foreign key needs none.
CREATE INDEX sessions_by_user
    ON sessions (platform, workspace, user_id, card_id, status, created_at);

-- answers to one session are always questions 0..n-1: the store only inserts question n
-- and only deletes question n-1. The primary key makes a double press store one row.
CREATE TABLE answers (
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    question    INTEGER NOT NULL CHECK (question >= 0),
    option      INTEGER NOT NULL CHECK (option >= 0),
    answered_at REAL NOT NULL,
    PRIMARY KEY (session_id, question)
) WITHOUT ROWID;

-- A finished quiz, at most one per session. The user, scope and card are copied from the
-- session so that results, tallies and stats need no join.
-- scores: JSON text [[role_id, percent, points], ...], highest first.
CREATE TABLE results (
    id              INTEGER PRIMARY KEY,     -- insertion order: breaks created_at ties
    session_id      TEXT NOT NULL UNIQUE REFERENCES sessions (id) ON DELETE CASCADE,
    platform        TEXT NOT NULL,
    workspace       TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    scope           TEXT NOT NULL,
    card_id         TEXT NOT NULL REFERENCES quiz_cards (id),
    content_version TEXT NOT NULL,
    scores          TEXT NOT NULL,
    top_role        TEXT NOT NULL,
    created_at      REAL NOT NULL,
    shared          INTEGER NOT NULL DEFAULT 0 CHECK (shared IN (0, 1))
);

-- list_results and the "latest result per person" of each query below.
CREATE INDEX results_by_user ON results (platform, workspace, user_id, created_at);
-- card_tally: the results on one card, per person.
CREATE INDEX results_by_card ON results (card_id, platform, workspace, user_id, created_at);
-- stats: the results in one server/workspace, per person.
CREATE INDEX results_by_scope
    ON results (platform, scope, workspace, user_id, created_at);
