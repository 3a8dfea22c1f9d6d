-- pathbot schema, version 9, for PostgreSQL: an answer press is ONE job of the group
-- commit (Store.answer), where it used to be a read (the session) and then a write.
--
-- The batch statement now calls pathbot_job (bot/storage/postgres.py):
--     SELECT pathbot_job(kind, session, question, option, now, extra) FROM unnest(…)
-- Each call returns a pathbot_job_done: `wrote`, and for a press the session and its
-- answers (decoded by asyncpg from the binary row: no JSON to build or parse).
--
-- kind 'press': `extra` holds the presser (platform, workspace, user_id) and their
-- content_version. The session row is locked first (FOR UPDATE, as pathbot_record_answer:
-- every writer of a session's answers goes through that lock), and only then are its
-- answers read (a fresh snapshot per PL/pgSQL statement: it sees what the previous lock
-- holder committed) and the press checked: the session is active, the presser's, of this
-- content version, and has exactly `question` answers. If so the answer is stored and
-- the session touched. Either way the session comes back as it then stands, so the
-- caller can tell why a press was refused without a second round trip; `session` is NULL
-- when there is no such session.
--
-- Every other kind is pathbot_write (migration 0008), unchanged: a replica still running
-- the code of version 8 during a rolling upgrade keeps calling it.

CREATE TYPE pathbot_job_done AS (wrote BOOLEAN, session sessions, answers INTEGER[]);

CREATE FUNCTION pathbot_job(
    p_kind TEXT, p_session TEXT, p_question INTEGER, p_option INTEGER,
    p_now DOUBLE PRECISION, p_extra JSONB
) RETURNS pathbot_job_done LANGUAGE plpgsql AS $$
DECLARE
    s sessions%ROWTYPE;
    options INTEGER[];
BEGIN
    IF p_kind <> 'press' THEN
        RETURN ROW(pathbot_write(p_kind, p_session, p_question, p_option, p_now, p_extra),
                   NULL, NULL)::pathbot_job_done;
    END IF;
    SELECT * INTO s FROM sessions WHERE id = p_session FOR UPDATE;
    IF NOT FOUND THEN
        RETURN ROW(FALSE, NULL, NULL)::pathbot_job_done;
    END IF;
    -- Answers are always questions 0..n-1, so their number is the array's length.
    options := ARRAY(SELECT option FROM answers WHERE session_id = p_session
                     ORDER BY question);
    IF s.status <> 'active' OR s.platform <> p_extra->>'platform'
       OR s.workspace <> p_extra->>'workspace' OR s.user_id <> p_extra->>'user_id'
       OR s.content_version <> p_extra->>'content_version'
       OR cardinality(options) <> p_question THEN
        RETURN ROW(FALSE, s, options)::pathbot_job_done;
    END IF;
    INSERT INTO answers (session_id, question, option, answered_at)
        VALUES (p_session, p_question, p_option, p_now);
    UPDATE sessions SET updated_at = p_now WHERE id = p_session;
    s.updated_at := p_now;
    RETURN ROW(TRUE, s, options || p_option)::pathbot_job_done;
END
$$;
