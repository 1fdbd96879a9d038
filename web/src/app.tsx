import { useEffect, useState, type FormEvent } from 'react';
import { apiKey, onUnauthorized, setApiKey } from './api';
import { Link, useLocation } from './router';
import { FlowsPage } from './pages/flows';
import { FlowPage } from './pages/flow';
import { RunPage } from './pages/run';
import { RunsPage } from './pages/runs';

export function App() {
  const { path, search } = useLocation();
  const [asking, setAsking] = useState(false);
  // Bumped when a key is entered: the page remounts and loads again with it.
  const [generation, setGeneration] = useState(0);
  useEffect(() => onUnauthorized(() => setAsking(true)), []);

  let page;
  let m: RegExpExecArray | null;
  if (path === '/' || path === '/flows') page = <FlowsPage />;
  else if ((m = /^\/flows\/([^/]+)$/.exec(path))) page = <FlowPage name={decodeURIComponent(m[1])} search={search} />;
  else if (path === '/runs') page = <RunsPage search={search} />;
  else if ((m = /^\/runs\/([^/]+)$/.exec(path))) page = <RunPage runId={decodeURIComponent(m[1])} />;
  else
    page = (
      <p className="tf-empty">
        No page here. Go to the <Link to="/">flows</Link>.
      </p>
    );

  return (
    <div className="tf-app">
      <header className="tf-topbar">
        <Link to="/" className="tf-brand">
          <img src="/favicon.svg" alt="" width={22} height={22} /> Tempoflow
        </Link>
        <nav>
          <Link to="/" className={path === '/' || path.startsWith('/flows') ? 'active' : ''}>
            Flows
          </Link>
          <Link to="/runs" className={path.startsWith('/runs') ? 'active' : ''}>
            Runs
          </Link>
        </nav>
        <div className="tf-topbar-end">
          {apiKey() && (
            <button
              className="tf-link-button"
              onClick={() => {
                setApiKey(null);
                setGeneration((g) => g + 1);
              }}
              title="Forget the API key kept for this tab"
            >
              forget key
            </button>
          )}
          <a href="/api/v1/openapi.json" target="_blank" rel="noreferrer">
            API
          </a>
        </div>
      </header>
      <main className="tf-main" key={`${path}#${generation}`}>
        {page}
      </main>
      {asking && (
        <KeyDialog
          onKey={(key) => {
            setApiKey(key);
            setAsking(false);
            setGeneration((g) => g + 1);
          }}
        />
      )}
    </div>
  );
}

function KeyDialog({ onKey }: { onKey: (key: string) => void }) {
  const [value, setValue] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (value.trim()) onKey(value.trim());
  };
  return (
    <div className="tf-modal-backdrop">
      <form className="tf-modal" onSubmit={submit} aria-label="API key">
        <h2>API key</h2>
        <p>
          This Tempoflow needs an API key (one of <code>API_KEYS</code>). It is kept for this tab only and sent as{' '}
          <code>Authorization: Bearer …</code> on every request.
        </p>
        <input
          type="password"
          name="apiKey"
          autoFocus
          placeholder="key"
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        <div className="tf-actions">
          <button type="submit" className="tf-button primary">
            Use this key
          </button>
        </div>
      </form>
    </div>
  );
}
