-- pathbot schema, version 7: Discord IDENTIFYs remembered across processes (issue 10).
-- name is "bucket:N" (the last IDENTIFY in that bucket, shard_id % max_concurrency) or
-- "shard:N" (that shard's last IDENTIFY and its streak of quick repeats). See
-- bot/core/identify.py for the rule and Store.claim_identify in bot/core/ports.py.
-- Version 6 is taken by the Slack installations store (issue 10, the Slack half).
CREATE TABLE discord_identify (
    name TEXT PRIMARY KEY,
    at REAL NOT NULL,
    streak INTEGER NOT NULL DEFAULT 0
);
