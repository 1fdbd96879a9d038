import { useCallback, useEffect, useState } from 'react';
import { ApiError } from './api';
import { STATUSES } from './status';

export function StatusPill({ status }: { status: string }) {
  return (
    <span className={`tf-pill status-${status}`} data-run-status={status}>
      {status}
    </span>
  );
}

export function Legend() {
  return (
    <ul className="tf-legend" aria-label="Node statuses">
      {STATUSES.map((s) => (
        <li key={s.status} className={`status-${s.status}`}>
          <span className="tf-dot" />
          {s.label}
        </li>
      ))}
    </ul>
  );
}

/** A table's header row. */
export function TableHead({ columns }: { columns: string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th key={c}>{c}</th>
        ))}
      </tr>
    </thead>
  );
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as ApiError;
  const details = Array.isArray(e.details) ? (e.details as { path: string; message: string }[]) : [];
  return (
    <div className="tf-error" role="alert">
      <strong>{e instanceof ApiError ? `${e.status} ${e.code}` : 'Error'}</strong> {e.message}
      {details.length > 0 && (
        <ul>
          {details.map((d, i) => (
            <li key={i}>
              <code>{d.path}</code> {d.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Loads once (and again on `reload()`); keeps the last value while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ value?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (value) => live && setState({ value, loading: false }),
      (error: unknown) => live && setState((s) => ({ ...s, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export function Json({ value }: { value: unknown }) {
  if (value === undefined) return <span className="tf-muted">—</span>;
  return <pre className="tf-json">{typeof value === 'string' ? value : JSON.stringify(value, null, 2)}</pre>;
}
