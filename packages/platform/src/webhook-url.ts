import { AppError } from "@gantry/contracts/errors";
import { checkEgressUrl, EgressRefused, type Lookup } from "./egress.ts";

export { isBlockedAddress, type Lookup } from "./egress.ts";

/**
 * A tenant's webhook URL through the egress guard (`egress.ts`): not http(s), credentials, a
 * bad port, or a host that is or resolves to a refused address is a 422 on `webhook`.
 * `allowPrivate` (GANTRY_WEBHOOKS_ALLOW_PRIVATE) lifts the address rule for local development.
 */
export async function checkWebhookUrl(raw: string, options: { allowPrivate: boolean; lookup?: Lookup }): Promise<URL> {
  try {
    return await checkEgressUrl(raw, options);
  } catch (err) {
    if (!(err instanceof EgressRefused)) throw err;
    throw new AppError("UNPROCESSABLE", `- webhook: ${err.message}\n`, {
      title: "Validation failed",
      invalidFields: [{ type: "invalid_webhook", field: "webhook", description: err.message }],
    });
  }
}
