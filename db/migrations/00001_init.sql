-- Flows: a name, and immutable numbered versions of its definition. A run pins one version.
CREATE TABLE flows (
  id          uuid PRIMARY KEY,
  name        text NOT NULL,
  description text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz
);
CREATE UNIQUE INDEX flows_name_live ON flows (name) WHERE deleted_at IS NULL;

CREATE TABLE flow_versions (
  flow_id    uuid NOT NULL REFERENCES flows (id),
  version    integer NOT NULL CHECK (version > 0),
  definition jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (flow_id, version)
);

CREATE FUNCTION flow_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'flow versions are immutable';
END $$;
CREATE TRIGGER flow_versions_no_update BEFORE UPDATE OR DELETE ON flow_versions
  FOR EACH ROW EXECUTE FUNCTION flow_versions_immutable();

-- Runs: one row written when the API starts a run, completed by the workflow's last event batch,
-- so a closed run still answers when no worker is running.
CREATE TABLE runs (
  run_id       text PRIMARY KEY,
  workflow_id  text NOT NULL,
  flow_id      uuid NOT NULL,
  flow_name    text NOT NULL,
  flow_version integer NOT NULL,
  status       text NOT NULL,
  origin       text NOT NULL DEFAULT 'api',
  state        jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  closed_at    timestamptz
);
CREATE INDEX runs_flow ON runs (flow_id, created_at DESC);

-- The event log. seq is assigned under the run's row lock in run_event_heads, so commit order is
-- seq order: a reader that has seen n never later finds an event numbered below n.
CREATE TABLE run_event_heads (
  run_id   text PRIMARY KEY,
  last_seq bigint NOT NULL DEFAULT 0
);

CREATE TABLE run_events (
  run_id     text NOT NULL,
  seq        bigint NOT NULL,
  type       text NOT NULL,
  node_id    text,
  attempt    integer,
  dedupe_key text NOT NULL,
  data       jsonb NOT NULL,
  ts         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, seq),
  UNIQUE (run_id, dedupe_key)
);

-- Node outputs above the inline threshold, passed through workflow history by reference.
CREATE TABLE blobs (
  id         text PRIMARY KEY,
  run_id     text,
  size       integer NOT NULL,
  data       jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE secrets (
  name       text PRIMARY KEY,
  value      text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
