-- pathbot schema, version 9: nothing changes on SQLite. On PostgreSQL this version adds
-- the call that checks and stores an answer press and reads its session back, as one job
-- of the group commit's batch statement (migrations/postgres/0009_answer_press.sql).
-- SQLite needs no schema for it: Store.answer is a conditional INSERT and a SELECT in one
-- job of its group commit (bot/storage/sqlite.py). The numbers stay the same on both
-- engines, so that `pathbot db copy` and `pathbot db migrate` speak of one schema version.
SELECT 1;
