import { useState } from 'react';
import { api, download, type RunView } from '../api';
import { ErrorBox } from '../common';

/** Cancel, download the history, replay it against the deployed code, open the Temporal UI. */
export function RunActions({ run, closed }: { run: RunView; closed: boolean }) {
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

/** Approve or reject a node that waits for a decision, with an optional comment. */
export function ApprovalBar({ runId, nodeId, message }: { runId: string; nodeId: string; message?: string }) {
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
