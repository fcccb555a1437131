import { AppError } from "@gantry/contracts/errors";

/** IPv4 ranges a webhook may not reach: loopback, private, link-local, CGNAT, "this network", multicast and reserved. */
const V4_BLOCKED: [number, number][] = [
  [0x00000000, 8],
  [0x0a000000, 8],
  [0x64400000, 10],
  [0x7f000000, 8],
  [0xa9fe0000, 16],
  [0xac100000, 12],
  [0xc0000000, 24],
  [0xc0a80000, 16],
  [0xc6120000, 15],
  [0xe0000000, 4],
  [0xf0000000, 4],
];

function v4ToInt(ip: string): number | null {
  const parts = ip.split(".");
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

/** Whether an IP address (v4 or v6 literal) is one a webhook must not reach. */
export function isBlockedAddress(ip: string): boolean {
  const v4 = v4ToInt(ip);
  if (v4 !== null) return V4_BLOCKED.some(([base, bits]) => v4 >>> (32 - bits) === base >>> (32 - bits));
  const v6 = ip.toLowerCase().replace(/^\[|\]$/g, "");
  if (!v6.includes(":")) return false;
  const mapped = /^(?:0*:)*:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
  if (mapped?.[1]) return isBlockedAddress(mapped[1]);
  return (
    v6 === "::" ||
    v6 === "::1" ||
    /^f[cd]/.test(v6) || // unique local fc00::/7
    /^fe[89ab]/.test(v6) || // link-local fe80::/10
    /^ff/.test(v6) // multicast
  );
}

export type Lookup = (hostname: string) => Promise<string[]>;

/**
 * Refuses webhook URLs that are not http(s), or whose host is or resolves to a blocked address
 * (SSRF). `allowPrivate` lifts the address rule for local development.
 */
export async function checkWebhookUrl(raw: string, options: { allowPrivate: boolean; lookup?: Lookup }): Promise<URL> {
  const refuse = (why: string) =>
    new AppError("UNPROCESSABLE", `- webhook: ${why}\n`, {
      title: "Validation failed",
      invalidFields: [{ type: "invalid_webhook", field: "webhook", description: why }],
    });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse("is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw refuse("must be an http or https URL");
  if (url.username || url.password) throw refuse("must not carry credentials");
  if (options.allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost") || isBlockedAddress(host)) {
    throw refuse(`${url.hostname} is a loopback, private or link-local address, which webhooks may not reach`);
  }
  const addresses = options.lookup ? await options.lookup(host).catch(() => []) : [];
  if (options.lookup && addresses.length === 0) throw refuse(`${url.hostname} does not resolve`);
  const blocked = addresses.find(isBlockedAddress);
  if (blocked) throw refuse(`${url.hostname} resolves to ${blocked}, a loopback, private or link-local address`);
  return url;
}
