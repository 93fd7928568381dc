// The explorer page: GraphiQL with an API key box and the library of saved example operations.
// Bundled by scripts/build-explorer.mjs; everything it loads comes from this server (no CDN).
import { createContext, useContext, useEffect, useMemo, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { StarIcon, useGraphiQL, useGraphiQLActions, type GraphiQLPlugin } from '@graphiql/react';
import type { Fetcher } from '@graphiql/toolkit';
import { getOperationAST, parse } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import 'graphiql/style.css';
import './explorer.css';
import { savedOperations, type ExplorerContext, type SavedOperation } from '../saved-operations';

const root = document.getElementById('explorer')!;
const endpoint = root.dataset.endpoint ?? '/graphql';
const assets = root.dataset.assets ?? '/explorer/';
const build = root.dataset.build ?? '';
const KEY_STORAGE = 'hsx-explorer:api-key';

// Monaco runs its language services in web workers: load them from our own bundle.
const workerFiles: Record<string, string> = { json: 'json.worker.js', graphql: 'graphql.worker.js' };
Object.assign(self, {
  MonacoEnvironment: {
    getWorker: (_moduleId: string, label: string) =>
      new Worker(`${assets}${workerFiles[label] ?? 'editor.worker.js'}?v=${build}`),
  },
});

/** Whether the operation to run is a subscription (false for a document that does not parse: the server says why). */
function isSubscription(query: string, operationName?: string | null): boolean {
  try {
    return getOperationAST(parse(query), operationName ?? undefined)?.operation === 'subscription';
  } catch {
    return false;
  }
}

/**
 * Queries and mutations go over HTTP POST; subscriptions over WebSocket (graphql-ws) on the same URL,
 * the key in the connection_init payload. `close` ends the WebSocket when the key changes.
 */
function createFetcher(apiKey: string): Fetcher & { close(): void } {
  let ws: Client | null = null;
  const wsClient = () =>
    (ws ??= createClient({
      url: new URL(endpoint, location.href).href.replace(/^http/, 'ws'),
      connectionParams: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      lazy: true,
      retryAttempts: 2,
    }));
  const fetcher = async (params: Parameters<Fetcher>[0], options: Parameters<Fetcher>[1]) => {
    if (isSubscription(params.query, params.operationName)) return wsClient().iterate(params);
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        ...(options?.headers as Record<string, string> | undefined),
      },
      body: JSON.stringify(params),
    });
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      return { errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 300)}` }] };
    }
  };
  return Object.assign(fetcher as Fetcher, { close: () => void ws?.dispose() });
}

type ViewerState =
  | { status: 'none' | 'checking' }
  | { status: 'ok'; role: string; organization: { id: string; name: string } | null }
  | { status: 'refused'; message: string };

async function checkKey(fetcher: Fetcher): Promise<ViewerState> {
  try {
    const result = (await fetcher({
      query: 'query ExplorerViewer { viewer { role organization { id name } } }',
      operationName: 'ExplorerViewer',
    })) as {
      data?: { viewer: { role: string; organization: { id: string; name: string } | null } };
      errors?: { message: string }[];
    };
    if (result.data?.viewer) return { status: 'ok', ...result.data.viewer };
    return { status: 'refused', message: result.errors?.[0]?.message ?? 'no viewer' };
  } catch (e) {
    return { status: 'refused', message: e instanceof Error ? e.message : String(e) };
  }
}

const OperationContext = createContext<ExplorerContext>({ today: new Date(), organizationId: null });

const variablesText = (op: SavedOperation, context: ExplorerContext) => JSON.stringify(op.variables(context), null, 2);

/** Sidebar list: clicking an operation opens it (in its own tab when one holds it already). */
function SavedOperationsList() {
  const context = useContext(OperationContext);
  const { addTab, changeTab, setOperationName } = useGraphiQLActions();
  const { tabs, queryEditor, variableEditor } = useGraphiQL((s) => ({
    tabs: s.tabs,
    queryEditor: s.queryEditor,
    variableEditor: s.variableEditor,
  }));
  const open = (op: SavedOperation) => {
    const index = tabs.findIndex((tab) => tab.query === op.query);
    if (index >= 0) changeTab(index);
    else if (queryEditor?.getValue().trim()) addTab();
    queryEditor?.setValue(op.query);
    variableEditor?.setValue(variablesText(op, context));
    // Switching to a tab that already holds the text fires no edit, so GraphiQL would keep the
    // operation name of the tab before; the server refuses a name the document does not have.
    const first = parse(op.query).definitions.find((d) => d.kind === 'OperationDefinition');
    if (first?.name) setOperationName(first.name.value);
  };
  return (
    <section className="hsx-saved">
      <div className="graphiql-history-header">Saved operations</div>
      <p className="hsx-hint">Documented examples for sales teams. Click one to load it, then run it (Ctrl+Enter).</p>
      <ul>
        {savedOperations.map((op) => (
          <li key={op.title}>
            <button type="button" onClick={() => open(op)}>
              <span className="hsx-op-title">{op.title}</span>
              <span className="hsx-op-description">{op.description.replace(/\n/g, ' ')}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

const savedOperationsPlugin: GraphiQLPlugin = {
  title: 'Saved operations',
  icon: StarIcon,
  content: SavedOperationsList,
};
const plugins = [savedOperationsPlugin];

function statusText(viewer: ViewerState): string {
  switch (viewer.status) {
    case 'none':
      return 'No key saved: enter your API key to run operations.';
    case 'checking':
      return 'Checking key…';
    case 'ok':
      return `Signed in: ${viewer.role} · ${viewer.organization?.name ?? 'operator'}`;
    case 'refused':
      return `Key refused: ${viewer.message}`;
  }
}

function KeyBar({ apiKey, viewer, onSave }: { apiKey: string; viewer: ViewerState; onSave: (key: string) => void }) {
  const [draft, setDraft] = useState(apiKey);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSave(draft.trim());
  };
  return (
    <header className="hsx-bar">
      <span className="hsx-title">Health Services Exchange</span>
      <form onSubmit={submit}>
        <label htmlFor="hsx-api-key">API key</label>
        <input
          id="hsx-api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="paste your key (sent as Authorization: Bearer …)"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Save key</button>
        {apiKey && (
          <button
            type="button"
            onClick={() => {
              setDraft('');
              onSave('');
            }}
          >
            Forget key
          </button>
        )}
      </form>
      <span className={`hsx-status hsx-status-${viewer.status}`} role="status">
        {statusText(viewer)}
      </span>
      <a className="hsx-dashboard-link" href="/dashboard">
        Dashboard
      </a>
    </header>
  );
}

function Explorer() {
  const [apiKey, setApiKey] = useState(() => localStorage.getItem(KEY_STORAGE) ?? '');
  const [viewer, setViewer] = useState<ViewerState>({ status: 'none' });
  const fetcher = useMemo(() => createFetcher(apiKey), [apiKey]);
  useEffect(() => () => fetcher.close(), [fetcher]);
  useEffect(() => {
    if (!apiKey) {
      setViewer({ status: 'none' });
      return;
    }
    let current = true;
    setViewer({ status: 'checking' });
    void checkKey(fetcher).then((state) => current && setViewer(state));
    return () => {
      current = false;
    };
  }, [apiKey, fetcher]);
  const saveKey = (key: string) => {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
    setApiKey(key);
  };
  const organizationId = viewer.status === 'ok' ? (viewer.organization?.id ?? null) : null;
  const context = useMemo(() => ({ today: new Date(), organizationId }), [organizationId]);
  // Used only on a first visit: afterwards GraphiQL restores the user's own tabs.
  const [defaultTabs] = useState(() =>
    savedOperations.map((op) => ({ query: op.query, variables: variablesText(op, context) })),
  );
  return (
    <OperationContext.Provider value={context}>
      <KeyBar apiKey={apiKey} viewer={viewer} onSave={saveKey} />
      <main className="hsx-graphiql">
        <GraphiQL
          fetcher={fetcher}
          defaultTabs={defaultTabs}
          plugins={plugins}
          visiblePlugin={savedOperationsPlugin}
          defaultEditorToolsVisibility="variables"
        >
          <GraphiQL.Logo>Explorer</GraphiQL.Logo>
        </GraphiQL>
      </main>
    </OperationContext.Provider>
  );
}

createRoot(root).render(<Explorer />);
