import { useState } from 'react';
import { api, type RunView } from '../api';
import { ErrorBox, Json, StatusPill } from '../common';
import { Link, navigate } from '../router';
import type { NodeView, RunPicture } from '../run-state';
import { formatDuration, formatTime, isClosed } from '../status';

/** The side panel when no node is chosen: counts by status, the run's error, its outputs once closed. */
export function RunSummary({ run, picture }: { run?: RunView; picture: RunPicture }) {
  const counts = Object.values(picture.nodes).reduce<Record<string, number>>((acc, n) => {
    acc[n.status] = (acc[n.status] ?? 0) + 1;
    return acc;
  }, {});
  return (
    <div className="tf-panel">
      <h2>This run</h2>
      <p className="tf-muted">Click a node to see its params, output, error and events.</p>
      <ul className="tf-counts">
        {Object.entries(counts).map(([s, c]) => (
          <li key={s} className={`status-${s}`}>
            <span className="tf-dot" /> {c} {s}
          </li>
        ))}
      </ul>
      {picture.error && (
        <div className="tf-error">
          <strong>{picture.error.nodeId ? `${picture.error.nodeId}: ` : ''}</strong>
          {picture.error.message}
        </div>
      )}
      {run && isClosed(picture.status) && (
        <>
          <h3>Outputs</h3>
          <Json value={run.outputs} />
        </>
      )}
    </div>
  );
}

interface NodePanelProps {
  runId: string;
  nodeId: string;
  type: string;
  definitionParams?: Record<string, unknown>;
  view?: NodeView;
  state?: RunView['nodes'][string];
  closed: boolean;
  onClose: () => void;
}

/** The side panel of one node: status, timing, error, tokens, params, output, events, re-run from it. */
export function NodePanel({ runId, nodeId, type, definitionParams, view, state, closed, onClose }: NodePanelProps) {
  const [error, setError] = useState<unknown>();
  const rerun = async () => {
    setError(undefined);
    try {
      const next = await api<{ runId: string }>('POST', `/runs/${runId}/rerun`, { fromNode: nodeId });
      navigate(`/runs/${next.runId}`);
    } catch (err) {
      setError(err);
    }
  };
  const failure = view?.error ?? state?.error;
  return (
    <div className="tf-panel" data-panel-node={nodeId}>
      <div className="tf-panel-head">
        <h2>
          {nodeId} <span className="tf-muted">{type}</span>
        </h2>
        <button className="tf-link-button" onClick={onClose}>
          close
        </button>
      </div>
      <p>
        <StatusPill status={view?.status ?? 'pending'} />{' '}
        {view && view.attempt > 0 && <span className="tf-muted">attempt {view.attempt}</span>}
        {view?.startedAt && view.endedAt && (
          <span className="tf-muted"> · {formatDuration(Date.parse(view.endedAt) - Date.parse(view.startedAt))}</span>
        )}
        {view?.reused && <span className="tf-muted"> · output reused from the earlier run</span>}
        {view?.reason && <span className="tf-muted"> · {view.reason}</span>}
      </p>
      {view?.childRunId && (
        <p>
          Sub-run: <Link to={`/runs/${view.childRunId}`}>{view.childRunId}</Link>
        </p>
      )}
      <div className="tf-actions">
        <button
          className="tf-button"
          disabled={!closed}
          title={closed ? '' : 'A run can be re-run once it has completed, failed or been cancelled'}
          onClick={() => void rerun()}
        >
          Re-run from {nodeId}
        </button>
      </div>
      <ErrorBox error={error} />
      {failure && (
        <>
          <h3>Error</h3>
          <div className="tf-error" data-section="error">
            {failure.type && <strong>{failure.type}: </strong>}
            {failure.message}
          </div>
        </>
      )}
      {view?.tokens !== undefined && (
        <>
          <h3>Tokens</h3>
          <pre className="tf-json tf-tokens">{view.tokens}</pre>
        </>
      )}
      <h3>Params (resolved)</h3>
      {view?.params !== undefined ? (
        <div data-section="params">
          <Json value={view.params} />
        </div>
      ) : (
        <p className="tf-muted">Not reported for this node; as defined:</p>
      )}
      {view?.params === undefined && <Json value={definitionParams ?? {}} />}
      <h3>Output</h3>
      <div data-section="output">
        <Json value={state?.output} />
      </div>
      <h3>Events</h3>
      <ol className="tf-events">
        {(view?.events ?? []).map((e) => (
          <li key={e.seq} data-seq={e.seq}>
            <span className="tf-mono">#{e.seq}</span> <strong>{e.type}</strong>
            {e.attempt ? ` · attempt ${e.attempt}` : ''} <span className="tf-muted">{formatTime(e.ts)}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
