-- pathbot schema, version 5: the in-channel tally is edited by one process at a time and
-- never goes backwards, however many replicas share the database.
--
-- tally_seq   counts the changes to the card's results: +1 in the transaction that stores a
--             result on the card, +1 when /forget deletes results on it;
-- tally_shown the tally_seq the last completed edit of the message showed;
-- tally_lease until when (Unix seconds) the process editing the message holds it: another
--             process waits for it to end (or to expire, if that process died) and edits
--             after, with a fresher tally. See Store.claim_tally_edit in bot/core/ports.py.
ALTER TABLE quiz_cards ADD COLUMN tally_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE quiz_cards ADD COLUMN tally_shown INTEGER NOT NULL DEFAULT 0;
ALTER TABLE quiz_cards ADD COLUMN tally_lease REAL NOT NULL DEFAULT 0;
-- Cards that already have results: their current message may predate this version.
UPDATE quiz_cards SET tally_seq = 1 WHERE id IN (SELECT card_id FROM results);
