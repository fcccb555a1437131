import { accountsRouter, tokensRouter } from "./procedures/accounts.ts";
import { agentsRouter } from "./procedures/agents.ts";
import { meRouter } from "./procedures/me.ts";
import { deploymentsRouter, modelsRouter } from "./procedures/models.ts";
import { predictionsRouter } from "./procedures/predictions.ts";
import { queuesRouter } from "./procedures/queues.ts";
import { usageRouter } from "./procedures/usage.ts";
import { adminProcedure, router } from "./trpc.ts";

/** The admin console's API: every procedure but `me.*` needs the admin token. */
export const appRouter = router({
  /** Cheap check of the admin token (the console's sign-in). */
  whoami: adminProcedure.query(() => ({ role: "admin" as const })),
  predictions: predictionsRouter,
  agents: agentsRouter,
  queues: queuesRouter,
  models: modelsRouter,
  deployments: deploymentsRouter,
  accounts: accountsRouter,
  tokens: tokensRouter,
  usage: usageRouter,
  me: meRouter,
});

export type AppRouter = typeof appRouter;
