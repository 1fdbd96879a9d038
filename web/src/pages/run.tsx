import { useEffect, useMemo, useState } from 'react';
import { api, type FlowRecord, type RunView } from '../api';
import { ErrorBox, Legend, StatusPill, useLoad } from '../common';
import { FlowGraph } from '../graph';
import { Link } from '../router';
import { formatDuration, formatTime, isClosed } from '../status';
import { useRunPicture } from '../use-run-picture';
import { ApprovalBar, RunActions } from './run-actions';
import { NodePanel, RunSummary } from './run-panels';

export function RunPage({ runId }: { runId: string }) {
  const run = useLoad(() => api<RunView>('GET', `/runs/${encodeURIComponent(runId)}`), [runId]);
  const flowId = run.value?.flowId;
  const flowVersion = run.value?.flowVersion;
  const flow = useLoad(
    () => (flowId ? api<FlowRecord>('GET', `/flows/${flowId}?version=${flowVersion}`) : Promise.resolve(undefined)),
    [flowId, flowVersion],
  );
  const definition = flow.value?.definition;
  const { picture, stream } = useRunPicture(runId, definition);
  const [selected, setSelected] = useState<string>();

  // Outputs and errors live in the run's state; read it again when the run or the chosen node settles.
  const status = picture?.status;
  const selectedStatus = selected ? picture?.nodes[selected]?.status : undefined;
  const { reload } = run;
  useEffect(() => {
    if (status && isClosed(status)) reload();
  }, [status, reload]);
  useEffect(() => {
    if (selected) reload();
  }, [selected, selectedStatus, reload]);

  const waitingApprovals = useMemo(
    () => definition?.nodes.filter((n) => n.type === 'approval' && picture?.nodes[n.id]?.status === 'waiting') ?? [],
    [definition, picture],
  );
  const closed = !!status && isClosed(status);
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
