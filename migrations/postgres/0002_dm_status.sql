-- pathbot schema, version 2, for PostgreSQL: as migrations/0002_dm_status.sql.
CREATE TABLE dm_status (
    platform  TEXT NOT NULL,
    workspace TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    closed_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (platform, workspace, user_id)
);
