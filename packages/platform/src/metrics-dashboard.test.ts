import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), "utf8");

describe("the Grafana dashboard", () => {
  it("plots only metrics that docs/observability.md lists, and every gantry_ metric listed there", () => {
    const dashboard = read("infra/grafana/gantry-dashboard.json");
    const docs = read("docs/observability.md");
    const table = docs.slice(docs.indexOf("| metric |"), docs.indexOf("\n\n", docs.indexOf("| metric |")));
    const base = (name: string) => name.replace(/_(bucket|sum|count)$/, "");
    const plotted = new Set([...dashboard.matchAll(/gantry_[a-z_]+/g)].map((m) => base(m[0])));
    const documented = new Set([...table.matchAll(/`(gantry_[a-z_]+)/g)].map((m) => m[1] ?? ""));
    // `gantry_billing_position` and `gantry_billing_lag_events` share a row.
    for (const m of table.matchAll(/`(gantry_[a-z_]+)`, `(gantry_[a-z_]+)`/g)) documented.add(m[2] ?? "");
    expect([...plotted].filter((m) => !documented.has(m))).toEqual([]);
    expect([...documented].filter((m) => !plotted.has(m))).toEqual([]);
  });
});
