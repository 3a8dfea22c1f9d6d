-- pathbot schema, version 5, for PostgreSQL: as migrations/0005_tally_lease.sql.
ALTER TABLE quiz_cards ADD COLUMN tally_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE quiz_cards ADD COLUMN tally_shown INTEGER NOT NULL DEFAULT 0;
ALTER TABLE quiz_cards ADD COLUMN tally_lease DOUBLE PRECISION NOT NULL DEFAULT 0;
UPDATE quiz_cards SET tally_seq = 1 WHERE id IN (SELECT card_id FROM results);
