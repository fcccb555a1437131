import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import type { inferRouterOutputs } from "@trpc/server";
import { EventSource } from "eventsource";
import type { AppRouter } from "../server/router.ts";
import { getToken } from "./auth.ts";

export type Outputs = inferRouterOutputs<AppRouter>;

/** The tokens this browser holds, as the headers the admin server reads them from. */
function authHeaders(): Record<string, string> {
  const admin = getToken("admin");
  const api = getToken("api");
  return {
    ...(admin ? { authorization: `Bearer ${admin}` } : {}),
    ...(api ? { "x-gantry-api-token": api } : {}),
  };
}

/**
 * The admin API. Every call carries the tokens as headers, subscriptions too: they run over SSE
 * with a fetch-based EventSource (the browser's own cannot send headers), so no token is ever
 * in a URL, where proxies, logs and history would keep it.
 */
export const trpc = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === "subscription",
      true: httpSubscriptionLink({
        url: "/trpc",
        EventSource,
        eventSourceOptions: () => ({
          fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, ...authHeaders() } }),
        }),
      }),
      false: httpBatchLink({ url: "/trpc", headers: authHeaders }),
    }),
  ],
});
