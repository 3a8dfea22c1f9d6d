-- pathbot schema, version 3: storing an answer also touches its session, in SQLite.
--
-- record_answer used to send a second statement, UPDATE sessions SET updated_at, after each
-- answer; this trigger does it inside the INSERT, so recording an answer is one statement.
-- An INSERT that stores nothing (ON CONFLICT DO NOTHING, or a WHERE that selects no row)
-- does not fire it. Triggers do not change the statement's own change count (rowcount),
-- which is how the store tells whether the answer was written.
--
-- There is no such trigger for DELETE: undo_answer stamps the session with the service's
-- clock (`now`), which a trigger cannot know, so it keeps its own UPDATE.
CREATE TRIGGER answers_touch_session AFTER INSERT ON answers
BEGIN
    UPDATE sessions SET updated_at = NEW.answered_at WHERE id = NEW.session_id;
END;
