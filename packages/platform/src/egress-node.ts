import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { blockedReason, EgressRefused, hostOf } from "./egress.ts";

/** Resolves a name to all its addresses (`dns.lookup` by default; tests inject their own). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `http.request`/`net.connect`: resolves with `resolve` and refuses, before the
 * socket connects, when any address is one the platform may not reach. The socket connects
 * only to an address that was checked, so a name that changes its answer (DNS rebinding)
 * gains nothing.
 */
export function guardedLookup(resolve: Resolver = systemResolver) {
  return (hostname: string, options: { all?: boolean }, cb: LookupCallback) => {
    resolve(hostname).then(
      (list) => {
        const bad = list.map((a) => blockedReason(a.address)).find((why) => why !== null);
        if (bad) return cb(Object.assign(new EgressRefused(`${hostname}: ${bad}`), { code: "EBLOCKED" }), []);
        const first = list[0];
        if (!first) return cb(Object.assign(new Error(`${hostname} does not resolve`), { code: "ENOTFOUND" }), []);
        return options.all ? cb(null, list) : cb(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => cb(err, []),
    );
  };
}

export interface EgressRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Bytes of the answer kept at most; a longer answer fails the request. */
  maxBytes: number;
  /** Lift the address rule (local development only). */
  allowPrivate: boolean;
  resolve?: Resolver;
}

export interface EgressAnswer {
  status: number;
  body: Buffer;
}

/** Why a request failed, in words that never repeat what the remote server sent. */
function describe(err: NodeJS.ErrnoException, url: URL, timeoutMs: number): Error {
  if (err instanceof EgressRefused) return err;
  if (err.code === "ETIMEDOUT") return new Error(`no answer from ${url.origin} within ${timeoutMs} ms`);
  if (err.code === "ETOOBIG") return new EgressRefused(err.message);
  return new Error(`could not reach ${url.origin}${err.code ? ` (${err.code})` : ""}`);
}

/**
 * One HTTP(S) request to a tenant's URL from Node: the address actually connected to is
 * checked (IP literals before connecting, names in the socket's lookup), redirects are not
 * followed (a 3xx is an answer like any other, for the caller to treat as a failure), the time
 * is bounded and the answer is cut off past `maxBytes`.
 */
export function egressRequest(url: URL, o: EgressRequest): Promise<EgressAnswer> {
  const { host, ip } = hostOf(url);
  if (!o.allowPrivate && ip) {
    const why = blockedReason(host);
    if (why) return Promise.reject(new EgressRefused(why));
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return Promise.reject(new EgressRefused("must be an http or https URL"));
  }
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  const body = o.body ?? "";
  return new Promise((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const fail = (err: NodeJS.ErrnoException) => settle(() => reject(describe(err, url, o.timeoutMs)));
    const req = send(
      url,
      {
        method: o.method ?? "GET",
        headers: {
          ...o.headers,
          ...(o.body !== undefined ? { "content-length": String(Buffer.byteLength(body)) } : {}),
        },
        // No connection reuse: every request resolves and checks its address afresh.
        agent: false,
        ...(o.allowPrivate ? {} : { lookup: guardedLookup(o.resolve) }),
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > o.maxBytes) {
            settle(() => reject(new EgressRefused(`the answer from ${url.origin} is larger than ${o.maxBytes} bytes`)));
            res.destroy();
            req.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on("end", () => settle(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) })));
        res.on("error", fail);
      },
    );
    // The whole exchange is bounded, not only each wait on the socket.
    timer = setTimeout(() => {
      fail(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" }));
      req.destroy();
    }, o.timeoutMs);
    req.on("error", fail);
    req.end(o.body);
  });
}
