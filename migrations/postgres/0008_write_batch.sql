-- pathbot schema, version 8, for PostgreSQL: every write of the group commit is one call
-- of pathbot_write, so that a whole batch is ONE statement (one round trip, and atomic by
-- itself: no BEGIN/COMMIT round trips). bot/storage/postgres.py sends
--     SELECT pathbot_write(kind, session, question, option, now, extra)
--     FROM unnest(<one array per argument>)
-- and the rows are computed in array order, each call seeing what the calls before it
-- wrote (a PL/pgSQL statement takes a fresh snapshot), as separate statements would.
-- Returns true when the job wrote. The kinds:
--   'answer'  record answer `question` = `option` (pathbot_record_answer: locks the session
--             row, then counts); `extra` is NULL, or the result of the quiz this answer
--             finishes (then: session finished, result stored, the card's tally bumped);
--   'undo'    Back from `question` (pathbot_undo_answer);
--   'start'   a new active session, `extra` its columns; false if the person already has
--             one on that card and content version (the partial unique index);
--   'share'   mark the session's result shared; false if it already was.
CREATE FUNCTION pathbot_write(
    p_kind TEXT, p_session TEXT, p_question INTEGER, p_option INTEGER,
    p_now DOUBLE PRECISION, p_extra JSONB
) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
BEGIN
    IF p_kind = 'answer' THEN
        IF NOT pathbot_record_answer(p_session, p_question, p_option, p_now) THEN
            RETURN FALSE;
        END IF;
        IF p_extra IS NOT NULL THEN
            UPDATE sessions SET status = 'finished' WHERE id = p_session;
            INSERT INTO results (session_id, platform, workspace, user_id, scope, card_id,
                                 content_version, scores, top_role, created_at, shared)
            VALUES (p_session, p_extra->>'platform', p_extra->>'workspace',
                    p_extra->>'user_id', p_extra->>'scope', p_extra->>'card_id',
                    p_extra->>'content_version', p_extra->>'scores', p_extra->>'top_role',
                    (p_extra->>'created_at')::DOUBLE PRECISION,
                    (p_extra->>'shared')::INTEGER);
            UPDATE quiz_cards SET tally_seq = tally_seq + 1 WHERE id = p_extra->>'card_id';
        END IF;
        RETURN TRUE;
    ELSIF p_kind = 'undo' THEN
        RETURN pathbot_undo_answer(p_session, p_question, p_now);
    ELSIF p_kind = 'start' THEN
        INSERT INTO sessions (id, platform, workspace, user_id, scope, channel_id, card_id,
                              content_version, status, created_at, updated_at)
        VALUES (p_session, p_extra->>'platform', p_extra->>'workspace',
                p_extra->>'user_id', p_extra->>'scope', p_extra->>'channel_id',
                p_extra->>'card_id', p_extra->>'content_version', 'active',
                (p_extra->>'created_at')::DOUBLE PRECISION,
                (p_extra->>'updated_at')::DOUBLE PRECISION)
        ON CONFLICT (platform, workspace, user_id, card_id, content_version)
            WHERE status = 'active' DO NOTHING;
        RETURN FOUND;
    ELSIF p_kind = 'share' THEN
        UPDATE results SET shared = 1 WHERE session_id = p_session AND shared = 0;
        RETURN FOUND;
    END IF;
    RAISE EXCEPTION 'pathbot_write: unknown kind %', p_kind;
END
$$;
