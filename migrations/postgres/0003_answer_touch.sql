-- pathbot schema, version 3, for PostgreSQL: recording or undoing an answer is one call.
--
-- SQLite's version 3 is a trigger that touches the session when an answer is stored. Here
-- the same step also carries the concurrency guarantee. Under READ COMMITTED a single
-- INSERT ... WHERE (SELECT count(*) ...) = n lets two transactions from two processes both
-- pass the count (each sees the snapshot taken when its statement began), and an answer
-- racing a Back could leave a gap. These functions first lock the session row (FOR UPDATE:
-- every writer of a session's answers goes through it), and only then count: in PL/pgSQL
-- each statement takes a fresh snapshot, so the count sees whatever the previous lock
-- holder committed. They return true when they wrote.

CREATE FUNCTION pathbot_record_answer(
    p_session TEXT, p_question INTEGER, p_option INTEGER, p_now DOUBLE PRECISION
) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM sessions WHERE id = p_session AND status = 'active' FOR UPDATE;
    IF NOT FOUND THEN
        RETURN FALSE;
    END IF;
    IF (SELECT count(*) FROM answers WHERE session_id = p_session) <> p_question THEN
        RETURN FALSE;
    END IF;
    INSERT INTO answers (session_id, question, option, answered_at)
        VALUES (p_session, p_question, p_option, p_now);
    UPDATE sessions SET updated_at = p_now WHERE id = p_session;
    RETURN TRUE;
END
$$;

CREATE FUNCTION pathbot_undo_answer(
    p_session TEXT, p_question INTEGER, p_now DOUBLE PRECISION
) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
BEGIN
    IF p_question < 1 THEN
        RETURN FALSE;
    END IF;
    PERFORM 1 FROM sessions WHERE id = p_session AND status = 'active' FOR UPDATE;
    IF NOT FOUND THEN
        RETURN FALSE;
    END IF;
    IF (SELECT count(*) FROM answers WHERE session_id = p_session) <> p_question THEN
        RETURN FALSE;
    END IF;
    DELETE FROM answers WHERE session_id = p_session AND question = p_question - 1;
    UPDATE sessions SET updated_at = p_now WHERE id = p_session;
    RETURN TRUE;
END
$$;
