-- pathbot schema, version 8: nothing changes on SQLite. On PostgreSQL this version adds
-- the function that makes a group commit's batch one statement
-- (migrations/postgres/0008_write_batch.sql); SQLite runs a batch on its own thread in
-- one round trip already. The numbers stay the same on both engines, so that
-- `pathbot db copy` and `pathbot db migrate` speak of one schema version.
SELECT 1;
