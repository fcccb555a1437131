import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isBlockedAddress } from "@gantry/platform/webhook-url";

export interface DeliveryResult {
  status: number | null;
  error: string | null;
  latencyMs: number;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * POSTs one webhook. Redirects are not followed; the time is bounded; and, unless private
 * addresses are allowed, the connection goes only to an address that was checked (no DNS
 * rebinding between the check and the connect).
 */
export function postWebhook(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: { allowPrivate: boolean; timeoutMs: number },
): Promise<DeliveryResult> {
  const t0 = performance.now();
  const done = (status: number | null, error: string | null): DeliveryResult => ({
    status,
    error,
    latencyMs: Math.round(performance.now() - t0),
  });
  const guardedLookup = (hostname: string, opts: object, cb: LookupCallback) => {
    dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return cb(err, []);
      const list = addresses as LookupAddress[];
      const bad = list.find((a) => isBlockedAddress(a.address));
      if (bad)
        return cb(
          Object.assign(new Error(`${hostname} resolves to ${bad.address}, which webhooks may not reach`), {
            code: "EBLOCKED",
          }),
          [],
        );
      const wantsAll = (opts as { all?: boolean }).all === true;
      if (wantsAll) return cb(null, list);
      const first = list[0];
      return first ? cb(null, first.address, first.family) : cb(new Error(`${hostname} did not resolve`), []);
    });
  };
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        timeout: options.timeoutMs,
        ...(options.allowPrivate ? {} : { lookup: guardedLookup }),
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(done(res.statusCode ?? null, null)));
        res.on("error", (err) => resolve(done(res.statusCode ?? null, err.message)));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on("error", (err) => resolve(done(null, err.message)));
    req.end(body);
  });
}
