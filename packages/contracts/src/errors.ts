import { z } from "zod";

/** Closed table of error codes, each with its HTTP status and whether a retry may help. */
export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, retryable: false, title: "Bad request" },
  UNAUTHENTICATED: { status: 401, retryable: false, title: "Unauthenticated" },
  PAYMENT_REQUIRED: { status: 402, retryable: false, title: "Billing required" },
  FORBIDDEN: { status: 403, retryable: false, title: "Forbidden" },
  NOT_FOUND: { status: 404, retryable: false, title: "Not found" },
  METHOD_NOT_ALLOWED: { status: 405, retryable: false, title: "Method not allowed" },
  CONFLICT: { status: 409, retryable: true, title: "Conflict" },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, title: "Payload too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, title: "Unsupported media type" },
  INVALID_VERSION: { status: 422, retryable: false, title: "Invalid version or not permitted" },
  INPUT_VALIDATION: { status: 422, retryable: false, title: "Input validation failed" },
  UNPROCESSABLE: { status: 422, retryable: false, title: "Unprocessable entity" },
  RATE_LIMITED: { status: 429, retryable: true, title: "Too many requests" },
  INTERNAL: { status: 500, retryable: true, title: "Internal server error" },
  UNAVAILABLE: { status: 503, retryable: true, title: "Service unavailable" },
  TIMEOUT: { status: 504, retryable: true, title: "Gateway timeout" },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One entry of a 422's `invalid_fields` (reference §1.3). */
export const InvalidField = z.object({
  type: z.string(),
  field: z.string(),
  description: z.string(),
});
export type InvalidField = z.infer<typeof InvalidField>;

/** RFC 7807 problem details, as Replicate sends them. */
export const Problem = z.object({
  title: z.string().optional(),
  detail: z.string(),
  status: z.number().int(),
  invalid_fields: z.array(InvalidField).optional(),
  retry_after: z.number().int().optional(),
});
export type Problem = z.infer<typeof Problem>;

export interface AppErrorOptions extends ErrorOptions {
  /** Overrides the code's default title (Replicate uses specific titles per case). */
  title?: string;
  invalidFields?: InvalidField[];
  retryAfter?: number;
  /** False for bugs; true (default) for user and domain errors that need no page. */
  expected?: boolean;
}

export class AppError extends Error {
  override readonly name = "AppError";
  readonly code: ErrorCode;
  readonly title: string;
  readonly invalidFields: InvalidField[] | undefined;
  readonly retryAfter: number | undefined;
  readonly expected: boolean;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options);
    this.code = code;
    this.title = options.title ?? ERROR_CODES[code].title;
    this.invalidFields = options.invalidFields;
    this.retryAfter = options.retryAfter;
    this.expected = options.expected ?? true;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  toProblem(): Problem {
    return {
      title: this.title,
      detail: this.message,
      status: this.status,
      ...(this.invalidFields ? { invalid_fields: this.invalidFields } : {}),
      ...(this.retryAfter !== undefined ? { retry_after: this.retryAfter } : {}),
    };
  }
}

export const UNAUTHENTICATED_DETAIL = "You did not pass a valid authentication token";
export const NOT_FOUND_DETAIL = "The requested resource could not be found.";
export const INVALID_VERSION_DETAIL =
  "The specified version does not exist (or perhaps you don't have permission to use it?)";
