import ipaddr from "ipaddr.js";

/**
 * The egress guard: the one rule for every URL a tenant can make the platform (or an agent)
 * fetch or call. Runtime-neutral (Node and workerd); the connect-time check on Node, which
 * classifies the address actually connected to, is in `egress-node.ts`.
 */

/** Resolves a host name to its addresses (the platform's resolver, or a test's). */
export type Lookup = (hostname: string) => Promise<string[]>;

/** A URL the guard refuses; `message` says why, and never what a remote server said. */
export class EgressRefused extends Error {
  override readonly name = "EgressRefused";
}

const v4Of = (bytes: number[], at: number, invert = false) =>
  new ipaddr.IPv4(bytes.slice(at, at + 4).map((b) => (invert ? ~b & 0xff : b)));
const prefix = (text: string) => ipaddr.IPv6.parse(text);

/** The IPv4 addresses inside an IPv6 transition address, and what kind it is; null for others. */
function embeddedV4(v6: ipaddr.IPv6): { how: string; v4: ipaddr.IPv4[] } | null {
  const b = v6.toByteArray();
  if (v6.match(prefix("64:ff9b:1::"), 48)) return { how: "a local-use NAT64 address", v4: [] };
  if (v6.match(prefix("64:ff9b::"), 96)) return { how: "a NAT64 address", v4: [v4Of(b, 12)] };
  if (v6.match(prefix("2002::"), 16)) return { how: "a 6to4 address", v4: [v4Of(b, 2)] };
  // Teredo: the server's IPv4 in bits 32–63, the client's (inverted) in the last 32.
  if (v6.match(prefix("2001::"), 32)) return { how: "a Teredo address", v4: [v4Of(b, 4), v4Of(b, 12, true)] };
  // IPv4-compatible (::a.b.c.d, deprecated): ipaddr.js calls it unicast.
  if (v6.match(prefix("::"), 96)) return { how: "an IPv4-compatible address", v4: [v4Of(b, 12)] };
  return null;
}

/**
 * Why the platform must not connect to `ip` (v4 or v6 literal, brackets allowed), or null when
 * it is an ordinary public unicast address. IPv4-mapped addresses are unwrapped first; every
 * range other than `unicast` is refused (loopback, private, link-local, unique-local, CGNAT,
 * unspecified, multicast, broadcast, reserved, benchmarking, documentation…). NAT64 (both
 * prefixes), 6to4, Teredo and IPv4-compatible addresses are refused whatever IPv4 they carry
 * (a NAT64 gateway would connect to it); the reason names that IPv4 when it is a private one.
 */
export function blockedReason(ip: string): string | null {
  const literal = ip.replace(/^\[|\]$/g, "");
  if (!ipaddr.isValid(literal)) return `${ip} is not an IP address`;
  const addr = ipaddr.process(literal);
  const range = addr.range();
  if (addr.kind() === "ipv6" && ["unicast", "rfc6052", "6to4", "teredo"].includes(range)) {
    // Transition addresses are refused even around a public IPv4; the reason names a private one.
    const embedded = embeddedV4(addr as ipaddr.IPv6);
    if (embedded) {
      const inner = embedded.v4.find((v4) => v4.range() !== "unicast");
      return inner
        ? `${literal} is ${embedded.how} of ${inner.toString()} (${inner.range()}), which the platform may not reach`
        : `${literal} is ${embedded.how}, which the platform may not reach`;
    }
  }
  return range === "unicast" ? null : `${literal} is a ${range} address, which the platform may not reach`;
}

/** Whether the platform must not connect to `ip` (see `blockedReason`). */
export function isBlockedAddress(ip: string): boolean {
  return blockedReason(ip) !== null;
}

/** Ports the Fetch Standard's "bad port" list refuses (mail, IRC, …): never an HTTP service. */
const BAD_PORTS = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** The host of a URL without brackets or a trailing dot; `ip` when it is an IP literal. */
export function hostOf(url: URL): { host: string; ip: boolean } {
  const host = url.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "");
  // WHATWG URL already rewrote decimal, octal, hex and short IPv4 forms to dotted quads.
  return { host, ip: url.hostname.startsWith("[") || /^\d+\.\d+\.\d+\.\d+$/.test(host) };
}

export interface EgressPolicy {
  /** Lift the address rule (local development, or an operator's own model server). */
  allowPrivate: boolean;
  /** Resolves names so a name of a private address is refused up front (connect time checks again). */
  lookup?: Lookup;
}

/**
 * Parses and checks a tenant's URL: http(s) only, no credentials, no bad port, and (unless
 * `allowPrivate`) a host that is not, and does not resolve to, a refused address. Throws
 * `EgressRefused`. A name checked here may resolve elsewhere later (DNS rebinding): connect
 * through `egress-node.ts`, which checks the address connected to.
 */
export async function checkEgressUrl(raw: string, policy: EgressPolicy): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EgressRefused("is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new EgressRefused("must be an http or https URL");
  if (url.username || url.password) throw new EgressRefused("must not carry credentials");
  if (url.port && BAD_PORTS.has(Number(url.port))) throw new EgressRefused(`must not use port ${url.port}`);
  if (policy.allowPrivate) return url;
  const { host, ip } = hostOf(url);
  if (ip) {
    const why = blockedReason(host);
    if (why) throw new EgressRefused(why);
    return url;
  }
  if (host === "localhost" || host.endsWith(".localhost")) {
    throw new EgressRefused(`${host} is a loopback name, which the platform may not reach`);
  }
  if (!policy.lookup) return url;
  const addresses = await policy.lookup(host).catch(() => []);
  if (addresses.length === 0) throw new EgressRefused(`${host} does not resolve`);
  for (const a of addresses) {
    if (isBlockedAddress(a)) throw new EgressRefused(`${host} resolves to ${a}, which the platform may not reach`);
  }
  return url;
}
