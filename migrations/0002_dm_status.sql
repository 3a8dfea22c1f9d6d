-- pathbot schema, version 2: remember the people whose direct messages are closed, so that
-- /path answers them in the channel without trying the DM again.
CREATE TABLE dm_status (
    platform  TEXT NOT NULL,
    workspace TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    closed_at REAL NOT NULL,
    PRIMARY KEY (platform, workspace, user_id)
) WITHOUT ROWID;
