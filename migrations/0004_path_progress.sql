-- pathbot schema, version 4: learning-path progress and opt-in reminders (nudges).
-- A person's progress is per role (the stages they marked done); `scope` is the
-- server/workspace where they last ticked a stage, for /stats.
CREATE TABLE path_progress (
    platform  TEXT NOT NULL,
    workspace TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    role      TEXT NOT NULL,
    stage     TEXT NOT NULL,
    scope     TEXT NOT NULL,
    done_at   REAL NOT NULL,
    PRIMARY KEY (platform, workspace, user_id, role, stage)
) WITHOUT ROWID;

-- One reminder schedule per person: the role whose path it follows, where the person took
-- the quiz (platform, workspace and scope decide how the DM is sent), how often, when the
-- next one is due. `stopped` is '' while on, else why it stopped: 'user', 'done' or
-- 'closed' (DMs closed: /path says so once, then clears the row).
CREATE TABLE nudges (
    platform  TEXT NOT NULL,
    workspace TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    role      TEXT NOT NULL,
    scope     TEXT NOT NULL,
    every_s   REAL NOT NULL,
    due_at    REAL NOT NULL,
    stopped   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (platform, workspace, user_id)
) WITHOUT ROWID;

CREATE INDEX nudges_due ON nudges (due_at) WHERE stopped = '';
