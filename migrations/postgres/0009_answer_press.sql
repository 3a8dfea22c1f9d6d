-- pathbot schema, version 9, for PostgreSQL: an answer press is ONE job of the group
-- commit (Store.answer), where it used to be a read (the session) and then a write.
--
-- pathbot_answer_checked locks the session row (FOR UPDATE, as pathbot_record_answer:
-- every writer of a session's answers goes through that lock), and only then checks the
-- press (the session is active, the presser's, of this content version, and has exactly
-- `question` answers: a fresh snapshot per PL/pgSQL statement sees what the previous lock
-- holder committed) and stores the answer if it passes. Either way it returns the session
-- as it now stands, with its answers in question order, so the caller can tell why a
-- press was refused without a second round trip:
--     {"wrote": true|false, "session": {<the sessions row>, "answers": [options]}}
-- with "session": null when there is no such session.
--
-- pathbot_job is what the batch statement now calls (bot/storage/postgres.py):
--     SELECT pathbot_job(kind, session, question, option, now, extra) FROM unnest(…)
-- kind 'press' is the call above (`extra`: platform, workspace, user_id, content_version
-- of the presser); every other kind is pathbot_write (migration 0008), its boolean as
-- JSON true/false. pathbot_write stays as it was: a replica still running the code of
-- version 8 during a rolling upgrade keeps calling it.

CREATE FUNCTION pathbot_answer_checked(
    p_session TEXT, p_question INTEGER, p_option INTEGER, p_now DOUBLE PRECISION,
    p_who JSONB
) RETURNS JSONB LANGUAGE plpgsql AS $$
DECLARE
    s sessions%ROWTYPE;
    wrote BOOLEAN := FALSE;
BEGIN
    SELECT * INTO s FROM sessions WHERE id = p_session FOR UPDATE;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('wrote', FALSE, 'session', NULL);
    END IF;
    IF s.status = 'active' AND s.platform = p_who->>'platform'
       AND s.workspace = p_who->>'workspace' AND s.user_id = p_who->>'user_id'
       AND s.content_version = p_who->>'content_version'
       AND (SELECT count(*) FROM answers WHERE session_id = p_session) = p_question THEN
        INSERT INTO answers (session_id, question, option, answered_at)
            VALUES (p_session, p_question, p_option, p_now);
        UPDATE sessions SET updated_at = p_now WHERE id = p_session;
        s.updated_at := p_now;
        wrote := TRUE;
    END IF;
    RETURN jsonb_build_object('wrote', wrote, 'session', to_jsonb(s) || jsonb_build_object(
        'answers', (SELECT coalesce(jsonb_agg(option ORDER BY question), '[]'::jsonb)
                    FROM answers WHERE session_id = p_session)));
END
$$;

CREATE FUNCTION pathbot_job(
    p_kind TEXT, p_session TEXT, p_question INTEGER, p_option INTEGER,
    p_now DOUBLE PRECISION, p_extra JSONB
) RETURNS JSONB LANGUAGE plpgsql AS $$
BEGIN
    IF p_kind = 'press' THEN
        RETURN pathbot_answer_checked(p_session, p_question, p_option, p_now, p_extra);
    END IF;
    RETURN to_jsonb(pathbot_write(p_kind, p_session, p_question, p_option, p_now, p_extra));
END
$$;
