import { timingSafeEqual } from "node:crypto";
import type { AccountRecord } from "@gantry/contracts/accounts";
import { AppError, type ErrorCode, UNAUTHENTICATED_DETAIL } from "@gantry/contracts/errors";
import { initTRPC, type TRPC_ERROR_CODE_KEY, TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import type { Context } from "./context.ts";

/** Every Gantry error code has its tRPC code: adding a code to the table breaks this until mapped. */
const TRPC_CODE = {
  BAD_REQUEST: "BAD_REQUEST",
  UNAUTHENTICATED: "UNAUTHORIZED",
  PAYMENT_REQUIRED: "PAYMENT_REQUIRED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  METHOD_NOT_ALLOWED: "METHOD_NOT_SUPPORTED",
  CONFLICT: "CONFLICT",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  INVALID_VERSION: "UNPROCESSABLE_CONTENT",
  INPUT_VALIDATION: "UNPROCESSABLE_CONTENT",
  UNPROCESSABLE: "UNPROCESSABLE_CONTENT",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
  INTERNAL: "INTERNAL_SERVER_ERROR",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
  TIMEOUT: "GATEWAY_TIMEOUT",
} as const satisfies Record<ErrorCode, TRPC_ERROR_CODE_KEY>;

/** The Gantry code travelling in `error.data.appCode`, for clients that want the finer one. */
class MappedError extends TRPCError {
  readonly appCode: ErrorCode;
  constructor(err: AppError) {
    super({ code: TRPC_CODE[err.code], message: err.message, cause: err });
    this.appCode = err.code;
  }
}

const t = initTRPC.context<Context>().create({
  // Stack traces never go on the wire (house rule), whatever NODE_ENV says.
  isDev: false,
  // Pings keep idle subscription streams alive through proxies and reveal clients that left.
  sse: { ping: { enabled: true, intervalMs: 15_000 } },
  errorFormatter({ shape, error }) {
    const zod = error.cause instanceof ZodError ? error.cause : null;
    return {
      ...shape,
      data: {
        ...shape.data,
        appCode: error instanceof MappedError ? error.appCode : null,
        zodIssues: zod ? zod.issues : null,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * The one place errors meet tRPC: an `AppError` becomes the `TRPCError` of its code; anything else
 * that is not already a `TRPCError` is a bug, logged here and sent as a bare internal error.
 */
const mapErrors = t.middleware(async ({ ctx, next, path }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (cause instanceof AppError && cause.expected) throw new MappedError(cause);
  // An unexpected AppError (say, a stored record that no longer decodes) is a bug like any other.
  if (cause instanceof AppError || (result.error.code === "INTERNAL_SERVER_ERROR" && !(cause instanceof TRPCError))) {
    ctx.log.error("admin procedure failed", { path, err: String(cause ?? result.error) });
    throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "Internal server error" });
  }
  return result;
});

const sameSecret = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

const base = t.procedure.use(mapErrors);

/** Operators: the request must carry the admin token. */
export const adminProcedure = base.use(({ ctx, next }) => {
  if (!ctx.bearer || !sameSecret(ctx.bearer, ctx.adminToken)) {
    throw new AppError("UNAUTHENTICATED", "A valid admin token is required.");
  }
  return next();
});

/** A platform user, by API token (the dashboard): `ctx.account` is theirs. */
export const userProcedure = base.use(async ({ ctx, next }) => {
  const record = ctx.apiToken ? await ctx.registry.findToken(ctx.apiToken) : null;
  const account: AccountRecord | null = record ? await ctx.registry.getAccount(record.account_id) : null;
  if (!account) throw new AppError("UNAUTHENTICATED", UNAUTHENTICATED_DETAIL);
  return next({ ctx: { account } });
});
