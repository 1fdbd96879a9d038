-- Chat memory: messages kept per session, as Langflow's ChatInput/ChatOutput store them. The id is
-- derived from the run and node, so a retried activity writes the same row once.
CREATE TABLE chat_messages (
  id          text PRIMARY KEY,
  session_id  text NOT NULL,
  flow_id     text,
  run_id      text,
  sender      text NOT NULL,
  sender_name text,
  text        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_messages_session ON chat_messages (session_id, created_at);

-- The Langflow export each imported flow version came from: the run API applies Langflow tweaks to
-- it and converts again, so tweaks name Langflow fields exactly as Langflow's own API does.
CREATE TABLE langflow_sources (
  flow_id    uuid NOT NULL REFERENCES flows (id),
  version    integer NOT NULL,
  source     jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (flow_id, version)
);
