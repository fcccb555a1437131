import { type FormEvent, useState } from "react";
import { ErrorNote } from "../../components/status.tsx";
import { ago } from "../../format.ts";
import { useLoad } from "../../hooks.ts";
import { trpc } from "../../trpc.ts";

/** Accounts and their API tokens: create either, revoke tokens. A new token is shown once. */
export function AccountsPage() {
  const accounts = useLoad(() => trpc.accounts.list.query(), []);
  const tokens = useLoad(() => trpc.tokens.list.query({}), []);
  const [error, setError] = useState<Error | null>(null);
  const [fresh, setFresh] = useState<{ account: string; token: string } | null>(null);
  const [username, setUsername] = useState("");
  const [tokenFor, setTokenFor] = useState("");
  const [tokenName, setTokenName] = useState("");

  const attempt = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      accounts.reload();
      tokens.reload();
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    }
  };
  const createAccount = (e: FormEvent) => {
    e.preventDefault();
    void attempt(async () => {
      await trpc.accounts.create.mutate({ username, name: username });
      setUsername("");
    });
  };
  const createToken = (e: FormEvent) => {
    e.preventDefault();
    void attempt(async () => {
      const t = await trpc.tokens.create.mutate({ account_id: tokenFor, name: tokenName || "console" });
      setFresh({ account: t.account_id, token: t.token });
    });
  };

  return (
    <section>
      <h1>Accounts</h1>
      <ErrorNote error={error ?? accounts.error} />
      {fresh ? (
        <p className="card notice" data-testid="new-token">
          New token for {fresh.account} (shown once): <code>{fresh.token}</code>
        </p>
      ) : null}
      <div className="split">
        <form className="card row" onSubmit={createAccount}>
          <input placeholder="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
          <button type="submit">Create account</button>
        </form>
        <form className="card row" onSubmit={createToken}>
          <select value={tokenFor} onChange={(e) => setTokenFor(e.target.value)} required>
            <option value="">account…</option>
            {accounts.data?.map((a) => (
              <option key={a.id}>{a.id}</option>
            ))}
          </select>
          <input placeholder="token name" value={tokenName} onChange={(e) => setTokenName(e.target.value)} />
          <button type="submit">Create token</button>
        </form>
      </div>
      <table data-testid="accounts-table">
        <thead>
          <tr>
            <th>account</th>
            <th>type</th>
            <th>name</th>
            <th>tokens</th>
            <th>created</th>
          </tr>
        </thead>
        <tbody>
          {accounts.data?.map((a) => (
            <tr key={a.id}>
              <td>{a.username}</td>
              <td>{a.type}</td>
              <td>{a.name}</td>
              <td>{a.tokens}</td>
              <td>{ago(a.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Tokens</h2>
      <table data-testid="tokens-table">
        <thead>
          <tr>
            <th>account</th>
            <th>name</th>
            <th>id (SHA-256)</th>
            <th>created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {tokens.data?.map((t) => (
            <tr key={t.id}>
              <td>{t.account_id}</td>
              <td>{t.name}</td>
              <td>
                <code>{t.id.slice(0, 16)}…</code>
              </td>
              <td>{ago(t.created_at)}</td>
              <td>
                <button
                  type="button"
                  className="danger"
                  onClick={() => void attempt(() => trpc.tokens.revoke.mutate({ id: t.id }))}
                >
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
