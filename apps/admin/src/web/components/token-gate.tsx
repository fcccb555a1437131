import { type FormEvent, type ReactNode, useState } from "react";
import { setToken, type TokenKind, useToken } from "../auth.ts";

const LABEL: Record<TokenKind, { title: string; hint: string }> = {
  admin: { title: "Admin token", hint: "The token the admin server printed at start (GANTRY_ADMIN_TOKEN)." },
  api: { title: "API token", hint: "Your Gantry API token (r8_…). It stays in this browser." },
};

/** Shows its children once the browser holds the token; asks for it (once) otherwise. */
export function TokenGate({ kind, children }: { kind: TokenKind; children: ReactNode }) {
  const token = useToken(kind);
  const [draft, setDraft] = useState("");
  if (token) return <>{children}</>;
  const save = (e: FormEvent) => {
    e.preventDefault();
    if (draft.trim()) setToken(kind, draft.trim());
  };
  return (
    <form className="card token-gate" onSubmit={save} data-testid={`${kind}-token-form`}>
      <h2>{LABEL[kind].title}</h2>
      <p className="muted">{LABEL[kind].hint}</p>
      <input
        name={`${kind}-token`}
        type="password"
        autoComplete="off"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        placeholder={kind === "api" ? "r8_…" : "admin token"}
      />
      <button type="submit">Save</button>
    </form>
  );
}

export function ForgetToken({ kind }: { kind: TokenKind }) {
  const token = useToken(kind);
  if (!token) return null;
  return (
    <button type="button" className="link" onClick={() => setToken(kind, null)}>
      forget {kind} token
    </button>
  );
}
