import { type AccountUsage, formatUsd, type Ledger, Period, type SpendLine } from "@gantry/contracts/billing";
import { AppError } from "@gantry/contracts/errors";
import { Hono } from "hono";
import type { GatewayDeps, GatewayEnv } from "../deps.ts";
import { currentPeriod, requestLedger } from "../spend-guard.ts";

const lines = (spend: Record<string, SpendLine>) =>
  Object.fromEntries(Object.entries(spend).map(([k, v]) => [k, { ms: v.ms, nano: v.nano, usd: formatUsd(v.nano) }]));

/** The HTTP view of a ledger. */
export function renderUsage(ledger: Ledger): AccountUsage {
  return {
    period: ledger.period,
    total_usd: formatUsd(ledger.total_nano),
    total_nano: ledger.total_nano,
    by_hardware: lines(ledger.by_hardware),
    by_model: lines(ledger.by_model),
    by_deployment: lines(ledger.by_deployment),
    by_unit: Object.fromEntries(Object.entries(ledger.by_unit).map(([k, v]) => [k, { ...v, usd: formatUsd(v.nano) }])),
    predictions: ledger.predictions,
  };
}

/** `GET /v1/account/usage?period=YYYY-MM` (Gantry extension): spend of a billing period, the current one by default. */
export function usageRoutes(deps: GatewayDeps) {
  const app = new Hono<GatewayEnv>();
  app.get("/account/usage", async (c) => {
    const period = Period.safeParse(c.req.query("period") ?? currentPeriod(deps.now()));
    if (!period.success) throw new AppError("BAD_REQUEST", "period must be a month as YYYY-MM, e.g. 2026-02.");
    const ledger = await requestLedger(deps.nc, { account_id: c.get("account").id, period: period.data });
    return c.json(renderUsage(ledger));
  });
  return app;
}
