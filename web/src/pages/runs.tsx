import { api, type FlowSummary, type RunSummary } from '../api';
import { ErrorBox, StatusPill, TableHead, useLoad } from '../common';
import { Link, navigate } from '../router';
import { formatDuration, formatTime } from '../status';

const PAGE_SIZE = 25;

export function RunsPage({ search }: { search: URLSearchParams }) {
  const flow = search.get('flow') ?? '';
  const status = search.get('status') ?? '';
  const page = search.get('page') ?? '';
  const limit = search.get('limit') ?? String(PAGE_SIZE);
  const flows = useLoad(() => api<{ flows: FlowSummary[] }>('GET', '/flows'), []);
  const runs = useLoad(() => {
    const q = new URLSearchParams({ limit });
    if (flow) q.set('flow', flow);
    if (status) q.set('status', status);
    if (page) q.set('pageToken', page);
    return api<{ runs: RunSummary[]; nextPageToken?: string }>('GET', `/runs?${q}`);
  }, [flow, status, page, limit]);

  const go = (changes: Record<string, string>) => {
    const q = new URLSearchParams(search);
    for (const [k, v] of Object.entries(changes)) {
      if (v) q.set(k, v);
      else q.delete(k);
    }
    if (!('page' in changes)) q.delete('page');
    const s = q.toString();
    navigate(`/runs${s ? `?${s}` : ''}`);
  };

  return (
    <section className="tf-page">
      <div className="tf-page-head">
        <h1>Runs</h1>
        <div className="tf-filters">
          <label>
            Flow{' '}
            <select name="flow" value={flow} onChange={(e) => go({ flow: e.target.value })}>
              <option value="">all flows</option>
              {flows.value?.flows.map((f) => (
                <option key={f.id} value={f.name}>
                  {f.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Status{' '}
            <select name="status" value={status} onChange={(e) => go({ status: e.target.value })}>
              <option value="">any status</option>
              {['running', 'completed', 'failed', 'cancelled'].map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <button className="tf-button" onClick={runs.reload}>
            Refresh
          </button>
        </div>
      </div>
      <ErrorBox error={runs.error} />
      {runs.value && runs.value.runs.length === 0 && <p className="tf-empty">No runs match.</p>}
      {runs.value && runs.value.runs.length > 0 && (
        <table className="tf-table" data-testid="runs">
          <TableHead columns={['Run', 'Flow', 'Status', 'Started', 'Duration']} />
          <tbody>
            {runs.value.runs.map((r) => (
              <tr key={r.runId} data-run={r.runId}>
                <td>
                  <Link to={`/runs/${r.runId}`} className="tf-mono">
                    {r.runId.slice(0, 12)}…
                  </Link>
                </td>
                <td>
                  <Link to={`/flows/${encodeURIComponent(r.flowName)}?version=${r.flowVersion}`}>{r.flowName}</Link>{' '}
                  <span className="tf-muted">v{r.flowVersion}</span>
                </td>
                <td>
                  <StatusPill status={r.status} />
                </td>
                <td className="tf-muted">{formatTime(r.startedAt)}</td>
                <td className="tf-muted">
                  {r.closedAt ? formatDuration(Date.parse(r.closedAt) - Date.parse(r.startedAt)) : 'running'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="tf-pager">
        {page && (
          <button className="tf-button" onClick={() => go({ page: '' })}>
            ← First page
          </button>
        )}
        {runs.value?.nextPageToken && (
          <button className="tf-button" onClick={() => go({ page: runs.value!.nextPageToken! })}>
            Next page →
          </button>
        )}
      </div>
    </section>
  );
}
