-- pathbot schema, version 4, for PostgreSQL: as migrations/0004_path_progress.sql.
CREATE TABLE path_progress (
    platform  TEXT NOT NULL,
    workspace TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    role      TEXT NOT NULL,
    stage     TEXT NOT NULL,
    scope     TEXT NOT NULL,
    done_at   DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (platform, workspace, user_id, role, stage)
);

CREATE TABLE nudges (
    platform  TEXT NOT NULL,
    workspace TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    role      TEXT NOT NULL,
    scope     TEXT NOT NULL,
    every_s   DOUBLE PRECISION NOT NULL,
    due_at    DOUBLE PRECISION NOT NULL,
    stopped   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (platform, workspace, user_id)
);

CREATE INDEX nudges_due ON nudges (due_at) WHERE stopped = '';
