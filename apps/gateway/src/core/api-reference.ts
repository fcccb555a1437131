const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch);

interface Operation {
  summary?: string;
  security?: unknown[];
  responses?: Record<string, unknown>;
}

/** A plain HTML API reference rendered from the OpenAPI document: one row per operation. */
export function apiReferenceHtml(doc: Record<string, unknown>): string {
  const server = ((doc.servers as { url: string }[] | undefined)?.[0]?.url ?? "") as string;
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>;
  const rows = Object.entries(paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, o]) => {
      const codes = Object.keys(o.responses ?? {}).join(" ");
      const auth = o.security && o.security.length === 0 ? "none" : "Bearer token";
      return `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(o.summary ?? "")}</td><td>${auth}</td><td>${codes}</td></tr>`;
    }),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gantry API reference</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d1d1f}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem .6rem;text-align:left;vertical-align:top}
code{font:13px ui-monospace,monospace}th{background:#f5f5f7}</style></head>
<body><h1>Gantry API reference</h1>
<p>Base URL <code>${escapeHtml(server)}</code>. Errors are <code>application/problem+json</code> with <code>title</code>, <code>detail</code>, <code>status</code> (and <code>invalid_fields</code> on 422). The machine-readable document is <a href="/v1/openapi.json"><code>/v1/openapi.json</code></a>.</p>
<table><thead><tr><th>method</th><th>path</th><th>what it does</th><th>auth</th><th>statuses</th></tr></thead>
<tbody>${rows.join("\n")}</tbody></table></body></html>`;
}
