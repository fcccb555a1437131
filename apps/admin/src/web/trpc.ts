import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "../server/router.ts";
import { getToken } from "./auth.ts";

export type Outputs = inferRouterOutputs<AppRouter>;

/**
 * The admin API. Queries and mutations carry the tokens as headers; subscriptions run over SSE,
 * where a browser's EventSource cannot send headers, so they go as `connectionParams`.
 */
export const trpc = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === "subscription",
      true: httpSubscriptionLink({
        url: "/trpc",
        connectionParams: () => ({ token: getToken("admin") ?? "", apiToken: getToken("api") ?? "" }),
      }),
      false: httpBatchLink({
        url: "/trpc",
        headers: () => {
          const admin = getToken("admin");
          const api = getToken("api");
          return {
            ...(admin ? { authorization: `Bearer ${admin}` } : {}),
            ...(api ? { "x-gantry-api-token": api } : {}),
          };
        },
      }),
    }),
  ],
});
