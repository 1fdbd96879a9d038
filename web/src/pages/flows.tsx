import { api, type FlowSummary, type RunSummary } from '../api';
import { ErrorBox, StatusPill, TableHead, useLoad } from '../common';
import { Link } from '../router';
import { formatTime } from '../status';

interface Row extends FlowSummary {
  runs: RunSummary[];
}

export function FlowsPage() {
  const { value, error, loading } = useLoad(async () => {
    const { flows } = await api<{ flows: FlowSummary[] }>('GET', '/flows');
    return Promise.all(
      flows.map(async (f): Promise<Row> => {
        const runs = await api<{ runs: RunSummary[] }>('GET', `/runs?flow=${encodeURIComponent(f.name)}&limit=5`).then(
          (r) => r.runs,
          () => [],
        );
        return { ...f, runs };
      }),
    );
  }, []);
  return (
    <section className="tf-page">
      <div className="tf-page-head">
        <h1>Flows</h1>
        <p className="tf-muted">
          Every stored flow with its latest version and last runs. Open one to see it drawn and to start a run.
        </p>
      </div>
      <ErrorBox error={error} />
      {loading && !value && <p className="tf-muted">Loading…</p>}
      {value && value.length === 0 && (
        <p className="tf-empty">
          No flows yet. Store one with <code>POST /api/v1/flows</code> or <code>npx tempoflow flows push FILE</code>.
        </p>
      )}
      {value && value.length > 0 && (
        <table className="tf-table" data-testid="flows">
          <TableHead columns={['Name', 'Description', 'Version', 'Nodes', 'Last runs', 'Updated']} />
          <tbody>
            {value.map((f) => (
              <tr key={f.id} data-flow={f.name}>
                <td>
                  <Link to={`/flows/${encodeURIComponent(f.name)}`} className="tf-strong">
                    {f.name}
                  </Link>
                </td>
                <td className="tf-muted">{f.description ?? ''}</td>
                <td>v{f.version}</td>
                <td>{f.nodes}</td>
                <td>
                  <span className="tf-last-runs">
                    {f.runs.length === 0 && <span className="tf-muted">none yet</span>}
                    {f.runs.map((r) => (
                      <Link key={r.runId} to={`/runs/${r.runId}`} title={`${r.runId} · ${formatTime(r.startedAt)}`}>
                        <StatusPill status={r.status} />
                      </Link>
                    ))}
                  </span>
                </td>
                <td className="tf-muted">{formatTime(f.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
