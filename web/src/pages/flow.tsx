import { useMemo, useState, type FormEvent } from 'react';
import { api, type FlowNode, type FlowRecord, type RunSummary } from '../api';
import { ErrorBox, Legend, StatusPill, useLoad } from '../common';
import { FlowGraph } from '../graph';
import { Link, navigate } from '../router';
import { formatTime } from '../status';

export function FlowPage({ name, search }: { name: string; search: URLSearchParams }) {
  const version = search.get('version');
  const latest = useLoad(() => api<FlowRecord>('GET', `/flows/${encodeURIComponent(name)}`), [name]);
  const shown = useLoad(
    () =>
      version
        ? api<FlowRecord>('GET', `/flows/${encodeURIComponent(name)}?version=${encodeURIComponent(version)}`)
        : Promise.resolve(undefined),
    [name, version],
  );
  const runs = useLoad(
    () => api<{ runs: RunSummary[] }>('GET', `/runs?flow=${encodeURIComponent(name)}&limit=10`),
    [name],
  );
  const flow = version ? shown.value : latest.value;
  const [selected, setSelected] = useState<string>();
  const node = flow?.definition.nodes.find((n) => n.id === selected);

  return (
    <section className="tf-page tf-page-graph">
      <div className="tf-page-head">
        <div>
          <h1>
            {name} {flow && <span className="tf-muted">v{flow.version}</span>}
          </h1>
          {flow?.description && <p className="tf-muted">{flow.description}</p>}
        </div>
        {latest.value && (
          <label className="tf-version">
            Version{' '}
            <select
              name="version"
              value={flow?.version ?? latest.value.version}
              onChange={(e) =>
                navigate(
                  `/flows/${encodeURIComponent(name)}${Number(e.target.value) === latest.value!.version ? '' : `?version=${e.target.value}`}`,
                  true,
                )
              }
            >
              {Array.from({ length: latest.value.version }, (_, i) => latest.value!.version - i).map((v) => (
                <option key={v} value={v}>
                  v{v}
                  {v === latest.value!.version ? ' (latest)' : ''}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <ErrorBox error={latest.error ?? shown.error} />
      {flow && (
        <div className="tf-split">
          <div className="tf-canvas">
            <FlowGraph definition={flow.definition} selected={selected} onSelect={setSelected} />
            <Legend />
          </div>
          <aside className="tf-side">
            {node ? <NodeDefinition node={node} onClose={() => setSelected(undefined)} /> : <StartRun flow={flow} />}
            <h3>Recent runs</h3>
            {runs.value?.runs.length === 0 && <p className="tf-muted">No runs yet.</p>}
            <ul className="tf-run-list">
              {runs.value?.runs.map((r) => (
                <li key={r.runId}>
                  <Link to={`/runs/${r.runId}`} className="tf-mono">
                    {r.runId.slice(0, 10)}…
                  </Link>{' '}
                  <StatusPill status={r.status} /> <span className="tf-muted">v{r.flowVersion}</span>{' '}
                  <span className="tf-muted">{formatTime(r.startedAt)}</span>
                </li>
              ))}
            </ul>
            <Link to={`/runs?flow=${encodeURIComponent(name)}`}>All runs of {name} →</Link>
          </aside>
        </div>
      )}
    </section>
  );
}

function NodeDefinition({ node, onClose }: { node: FlowNode; onClose: () => void }) {
  return (
    <div className="tf-panel">
      <div className="tf-panel-head">
        <h2>
          {node.id} <span className="tf-muted">{node.type}</span>
        </h2>
        <button className="tf-link-button" onClick={onClose}>
          close
        </button>
      </div>
      <pre className="tf-json">{JSON.stringify(node, null, 2)}</pre>
    </div>
  );
}

interface Field {
  nodeId: string;
  name?: string;
  default?: unknown;
}

/** A field per named `input` node; an unnamed one reads all inputs, so it gets a JSON box. */
function StartRun({ flow }: { flow: FlowRecord }) {
  const fields = useMemo<Field[]>(
    () =>
      flow.definition.nodes
        .filter((n) => n.type === 'input')
        .map((n) => ({
          nodeId: n.id,
          name: typeof n.params?.name === 'string' ? n.params.name : undefined,
          default: n.params?.default,
        })),
    [flow],
  );
  const named = fields.filter((f) => f.name);
  const wantsJson = fields.some((f) => !f.name);
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      named.map((f) => [
        f.name!,
        f.default === undefined ? '' : typeof f.default === 'string' ? f.default : JSON.stringify(f.default),
      ]),
    ),
  );
  const [json, setJson] = useState('{}');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    let inputs: Record<string, unknown> = {};
    if (wantsJson) {
      try {
        const parsed = JSON.parse(json || '{}') as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        inputs = parsed as Record<string, unknown>;
      } catch (err) {
        setError(new Error(`Inputs (JSON) must be a JSON object: ${(err as Error).message}`));
        return;
      }
    }
    for (const f of named) {
      const raw = values[f.name!] ?? '';
      if (raw === '' && f.default !== undefined) continue;
      inputs[f.name!] = parseValue(raw);
    }
    setBusy(true);
    try {
      const run = await api<{ runId: string }>('POST', `/flows/${encodeURIComponent(flow.name)}/runs`, {
        inputs,
        version: flow.version,
      });
      navigate(`/runs/${run.runId}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form className="tf-panel tf-form" onSubmit={submit} aria-label="Start a run">
      <h2>Start a run</h2>
      {named.map((f) => (
        <label key={f.nodeId}>
          <span>
            {f.name} <span className="tf-muted">(input node {f.nodeId})</span>
          </span>
          <input
            name={f.name}
            value={values[f.name!] ?? ''}
            placeholder={f.default === undefined ? '' : `default: ${JSON.stringify(f.default)}`}
            onChange={(e) => setValues((v) => ({ ...v, [f.name!]: e.target.value }))}
          />
        </label>
      ))}
      {wantsJson && (
        <label>
          <span>Inputs (JSON object)</span>
          <textarea name="inputs" rows={5} value={json} onChange={(e) => setJson(e.target.value)} spellCheck={false} />
        </label>
      )}
      {fields.length === 0 && <p className="tf-muted">This flow has no input nodes.</p>}
      {named.length > 0 && (
        <p className="tf-hint">
          Values that read as JSON (numbers, true/false, objects) are sent as JSON; the rest as text.
        </p>
      )}
      <ErrorBox error={error} />
      <div className="tf-actions">
        <button type="submit" className="tf-button primary" disabled={busy}>
          {busy ? 'Starting…' : `Run v${flow.version}`}
        </button>
      </div>
    </form>
  );
}

function parseValue(raw: string): unknown {
  const t = raw.trim();
  if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null|\{[\s\S]*\}|\[[\s\S]*\])$/.test(t)) {
    try {
      return JSON.parse(t);
    } catch {
      return raw;
    }
  }
  return raw;
}
