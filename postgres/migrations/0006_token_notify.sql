-- Servers keep the tokens they looked up in memory, so that a request
-- costs no round trip for its token; every change of the tokens table,
-- by any process or by hand, tells them to forget what they keep. The
-- payload names the schema: servers of other schemas listen on the same
-- channel and ignore it.
CREATE FUNCTION notify_token_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('tooltrail_tokens', current_schema());
	RETURN NULL;
END
$$;

CREATE TRIGGER tokens_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tokens FOR EACH STATEMENT EXECUTE FUNCTION notify_token_change();
