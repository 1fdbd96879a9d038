import { useEffect, useMemo, useRef, useState } from 'react';
import { api, download, type FlowRecord, type RunView } from '../api';
import { ErrorBox, Json, Legend, StatusPill, useLoad } from '../common';
import { FlowGraph } from '../graph';
import { Link, navigate } from '../router';
import { applyEvents, emptyPicture, loadPicture, savePicture, type NodeView, type RunPicture } from '../run-state';
import { followRun, type RunEvent, type StreamState } from '../sse';
import { formatDuration, formatTime } from '../status';

const CLOSED = new Set(['completed', 'failed', 'cancelled']);

export function RunPage({ runId }: { runId: string }) {
  const run = useLoad(() => api<RunView>('GET', `/runs/${encodeURIComponent(runId)}`), [runId]);
  const flowId = run.value?.flowId;
  const flowVersion = run.value?.flowVersion;
  const flow = useLoad(
    () => (flowId ? api<FlowRecord>('GET', `/flows/${flowId}?version=${flowVersion}`) : Promise.resolve(undefined)),
    [flowId, flowVersion],
  );
  const definition = flow.value?.definition;
  const [picture, setPicture] = useState<RunPicture>();
  const [stream, setStream] = useState<StreamState>('connecting');
  const [selected, setSelected] = useState<string>();

  // The picture comes from the run's events only. A reload starts from the picture this tab last
  // drew and asks the stream for what came after its last event id.
  useEffect(() => {
    if (!definition) return;
    const stored = loadPicture(runId);
    const start = stored ?? emptyPicture(definition.nodes.map((n) => n.id));
    setPicture(start);
    if (CLOSED.has(start.status)) {
      setStream('ended');
      return;
    }
    // Events that arrive within one frame are drawn together: one redraw per frame at most.
    let pending: RunEvent[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      performance.mark('tempoflow:redraw-start');
      setPicture((p) => applyEvents(p ?? start, batch));
    };
    const stop = followRun(
      runId,
      start.seq,
      (events) => {
        pending.push(...events);
        frame ||= requestAnimationFrame(flush);
      },
      setStream,
    );
    return () => {
      stop();
      cancelAnimationFrame(frame);
    };
  }, [definition, runId]);

  const latest = useRef(picture);
  latest.current = picture;
  // How long each redraw took, from the events' arrival to the commit (the bench reads these).
  useEffect(() => {
    if (!performance.getEntriesByName('tempoflow:redraw-start').length) return;
    performance.measure('tempoflow:redraw', 'tempoflow:redraw-start');
    performance.clearMarks('tempoflow:redraw-start');
  }, [picture]);
  useEffect(() => {
    let saved = -1;
    const save = () => {
      if (!latest.current || latest.current.seq === saved) return;
      saved = latest.current.seq;
      savePicture(runId, latest.current);
    };
    const timer = setInterval(save, 500);
    window.addEventListener('pagehide', save);
    return () => {
      clearInterval(timer);
      window.removeEventListener('pagehide', save);
      save();
    };
  }, [runId]);

  // Outputs and errors live in the run's state; read it again when the run or the chosen node settles.
  const status = picture?.status;
  const selectedStatus = selected ? picture?.nodes[selected]?.status : undefined;
  const { reload } = run;
  useEffect(() => {
    if (status && CLOSED.has(status)) reload();
  }, [status, reload]);
  useEffect(() => {
    if (selected) reload();
  }, [selected, selectedStatus, reload]);

  const waitingApprovals = useMemo(
    () => definition?.nodes.filter((n) => n.type === 'approval' && picture?.nodes[n.id]?.status === 'waiting') ?? [],
    [definition, picture],
  );
  const closed = !!status && CLOSED.has(status);
  const node = definition?.nodes.find((n) => n.id === selected);

  return (
    <section
      className="tf-page tf-page-graph"
      data-run-id={runId}
      data-run-status={picture?.status ?? 'loading'}
      data-last-seq={picture?.seq ?? 0}
      data-stream={stream}
    >
      <div className="tf-page-head">
        <div>
          <h1>
            Run <span className="tf-mono">{runId}</span>
          </h1>
          {run.value && (
            <p className="tf-muted">
              <Link to={`/flows/${encodeURIComponent(run.value.flowName)}?version=${run.value.flowVersion}`}>
                {run.value.flowName} v{run.value.flowVersion}
              </Link>
              {run.value.origin && ` · started from ${run.value.origin}`}
              {picture?.startedAt && ` · ${formatTime(picture.startedAt)}`}
              {picture?.startedAt && (
                <RunClock startedAt={picture.startedAt} endedAt={picture.endedAt} active={!closed} />
              )}
            </p>
          )}
        </div>
        <div className="tf-head-status">
          {picture && <StatusPill status={picture.status} />}
          <span className={`tf-stream stream-${stream}`} title="Event stream">
            {stream === 'live'
              ? '● live'
              : stream === 'ended'
                ? ''
                : stream === 'reconnecting'
                  ? 'reconnecting…'
                  : 'connecting…'}
          </span>
        </div>
      </div>
      <ErrorBox error={run.error ?? flow.error} />
      {run.value && <RunActions run={run.value} closed={closed} />}
      {waitingApprovals.map((n) => (
        <ApprovalBar key={n.id} runId={runId} nodeId={n.id} message={picture?.nodes[n.id]?.message} />
      ))}
      {definition && picture && (
        <div className="tf-split">
          <div className="tf-canvas">
            <FlowGraph definition={definition} picture={picture} selected={selected} onSelect={setSelected} />
            <Legend />
          </div>
          <aside className="tf-side">
            {node ? (
              <NodePanel
                runId={runId}
                nodeId={node.id}
                type={node.type}
                definitionParams={node.params}
                view={picture.nodes[node.id]}
                state={run.value?.nodes[node.id]}
                closed={closed}
                onClose={() => setSelected(undefined)}
              />
            ) : (
              <RunSummary run={run.value} picture={picture} />
            )}
          </aside>
        </div>
      )}
    </section>
  );
}

function RunClock({ startedAt, endedAt, active }: { startedAt: string; endedAt?: string; active: boolean }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return <> · {formatDuration((endedAt ? Date.parse(endedAt) : now) - Date.parse(startedAt))}</>;
}

function RunActions({ run, closed }: { run: RunView; closed: boolean }) {
  const [error, setError] = useState<unknown>();
  const [replay, setReplay] = useState<{ deterministic: boolean; error?: string }>();
  const [busy, setBusy] = useState<string>();
  const act = (name: string, fn: () => Promise<unknown>) => async () => {
    setBusy(name);
    setError(undefined);
    try {
      await fn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <div className="tf-toolbar">
      <button
        className="tf-button danger"
        disabled={closed || busy === 'cancel'}
        onClick={act('cancel', () => api('POST', `/runs/${run.runId}/cancel`))}
      >
        Cancel run
      </button>
      <button
        className="tf-button"
        disabled={busy === 'history'}
        onClick={act('history', () => download(`/runs/${run.runId}/history`, `run-${run.runId}.json`))}
      >
        Download history
      </button>
      <button
        className="tf-button"
        disabled={busy === 'replay'}
        onClick={act('replay', async () =>
          setReplay(await api<{ deterministic: boolean; error?: string }>('POST', `/runs/${run.runId}/replay`)),
        )}
      >
        {busy === 'replay' ? 'Replaying…' : 'Replay'}
      </button>
      <a className="tf-button" href={run.links.temporalUi} target="_blank" rel="noreferrer">
        Open in Temporal UI ↗
      </a>
      {replay && (
        <span className={replay.deterministic ? 'tf-ok' : 'tf-bad'} data-replay={String(replay.deterministic)}>
          {replay.deterministic
            ? 'Replay: deterministic against the deployed code'
            : `Replay: NOT deterministic — ${replay.error ?? ''}`}
        </span>
      )}
      <ErrorBox error={error} />
    </div>
  );
}

function ApprovalBar({ runId, nodeId, message }: { runId: string; nodeId: string; message?: string }) {
  const [comment, setComment] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const decide = async (approved: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      await api('POST', `/runs/${runId}/approvals/${encodeURIComponent(nodeId)}`, {
        approved,
        ...(comment ? { comment } : {}),
        by: 'web',
      });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <div className="tf-approval" data-approval={nodeId}>
      <span>
        <strong>{nodeId}</strong> is waiting for a decision{message ? `: ${message}` : ''}
      </span>
      <input
        name="comment"
        placeholder="comment (optional)"
        value={comment}
        onChange={(e) => setComment(e.target.value)}
      />
      <button className="tf-button primary" disabled={busy} onClick={() => void decide(true)}>
        Approve
      </button>
      <button className="tf-button danger" disabled={busy} onClick={() => void decide(false)}>
        Reject
      </button>
      <ErrorBox error={error} />
    </div>
  );
}

function RunSummary({ run, picture }: { run?: RunView; picture: RunPicture }) {
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
      {run && CLOSED.has(picture.status) && (
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

function NodePanel({ runId, nodeId, type, definitionParams, view, state, closed, onClose }: NodePanelProps) {
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
