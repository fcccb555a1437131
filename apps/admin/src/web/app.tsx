import type { ReactNode } from "react";
import { ForgetToken, TokenGate } from "./components/token-gate.tsx";
import { AccountsPage } from "./pages/admin/accounts.tsx";
import { AgentsPage } from "./pages/admin/agents.tsx";
import { ModelsPage } from "./pages/admin/models.tsx";
import { AdminPredictionPage } from "./pages/admin/prediction.tsx";
import { PredictionsPage } from "./pages/admin/predictions.tsx";
import { QueuesPage } from "./pages/admin/queues.tsx";
import { UsagePage } from "./pages/admin/usage.tsx";
import { Dashboard } from "./pages/dashboard.tsx";
import { PredictionPage } from "./pages/prediction-page.tsx";
import { Playground, PlaygroundIndex } from "./playground/playground.tsx";
import { Link, match, useLocation } from "./router.tsx";

const ADMIN_NAV = [
  ["/admin", "Predictions"],
  ["/admin/agents", "Agents"],
  ["/admin/queues", "Queues"],
  ["/admin/models", "Models & deployments"],
  ["/admin/accounts", "Accounts"],
  ["/admin/usage", "Usage"],
] as const;

const admin = (page: ReactNode) => <TokenGate kind="admin">{page}</TokenGate>;
const user = (page: ReactNode) => <TokenGate kind="api">{page}</TokenGate>;

/** Each route: a pattern and what it shows. */
const ROUTES: [string, (p: Record<string, string>) => ReactNode][] = [
  ["/", () => <Home />],
  ["/playground", () => user(<PlaygroundIndex />)],
  ["/playground/:owner/:name", (p) => user(<Playground owner={p.owner ?? ""} name={p.name ?? ""} />)],
  [
    "/playground/:owner/:name/versions/:id",
    (p) => user(<Playground owner={p.owner ?? ""} name={p.name ?? ""} versionId={p.id ?? ""} />),
  ],
  ["/p/:id", (p) => <PredictionPage id={p.id ?? ""} />],
  ["/dashboard", () => <Dashboard />],
  ["/admin", () => admin(<PredictionsPage />)],
  ["/admin/predictions/:id", (p) => admin(<AdminPredictionPage id={p.id ?? ""} />)],
  ["/admin/agents", () => admin(<AgentsPage />)],
  ["/admin/queues", () => admin(<QueuesPage />)],
  ["/admin/models", () => admin(<ModelsPage />)],
  ["/admin/accounts", () => admin(<AccountsPage />)],
  ["/admin/usage", () => admin(<UsagePage />)],
];

function Home() {
  return (
    <section>
      <h1>Gantry</h1>
      <div className="cards">
        <Link to="/playground" className="card">
          <b>Playground</b>
          <p className="muted">Run any model from a form generated from its input schema.</p>
        </Link>
        <Link to="/dashboard" className="card">
          <b>Dashboard</b>
          <p className="muted">Your predictions and this billing period's usage.</p>
        </Link>
        <Link to="/admin" className="card">
          <b>Admin console</b>
          <p className="muted">Predictions, agents, queues, deployments, accounts and spend.</p>
        </Link>
      </div>
    </section>
  );
}

export function App() {
  const { path } = useLocation();
  let page: ReactNode = <p>Not found.</p>;
  for (const [pattern, render] of ROUTES) {
    const params = match(pattern, path);
    if (params) {
      page = render(params);
      break;
    }
  }
  const inAdmin = path.startsWith("/admin");
  return (
    <>
      <header>
        <nav>
          <Link to="/" className="brand">
            Gantry
          </Link>
          <Link to="/playground">Playground</Link>
          <Link to="/dashboard">Dashboard</Link>
          <Link to="/admin">Admin</Link>
          <span className="spacer" />
          <ForgetToken kind="api" />
          <ForgetToken kind="admin" />
        </nav>
        {inAdmin ? (
          <nav className="sub">
            {ADMIN_NAV.map(([to, label]) => (
              <Link key={to} to={to} className={path === to ? "active" : ""}>
                {label}
              </Link>
            ))}
          </nav>
        ) : null}
      </header>
      <main>{page}</main>
    </>
  );
}
