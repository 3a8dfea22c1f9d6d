-- Version 6 is reserved for the Slack installations store (issue 10, the Slack half, on
-- its own branch). This placeholder only keeps the versions without a gap on the shards
-- branch; when both branches meet, this file is deleted in favour of the real 0006.
SELECT 1;
