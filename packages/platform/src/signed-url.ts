/**
 * Signed download URLs: `GET /v1/files/{id}/download?owner=&expiry=&signature=`, where the signature
 * is the base64 HMAC-SHA256 of `"{owner} {id} {expiry}"` (reference §7.1). WebCrypto only, so the
 * same code runs on Node and in workerd.
 */

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    // One signing secret per gateway; the map never holds more than a handful.
    if (keys.size > 16) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

const message = (owner: string, id: string, expiry: number) => encoder.encode(`${owner} ${id} ${expiry}`);

function toBase64(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

/** Standard or URL-safe base64, padded or not (a `+` read from a query string may come back as a space). */
function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  const std = text.replace(/ /g, "+").replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(std)) return null;
  try {
    const raw = atob(std.padEnd(Math.ceil(std.length / 4) * 4, "="));
    return Uint8Array.from(raw, (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

/** The base64 signature of one download grant. */
export async function signDownload(secret: string, owner: string, id: string, expiry: number): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), message(owner, id, expiry));
  return toBase64(new Uint8Array(mac));
}

/** Whether `signature` grants `owner`'s file `id` until `expiry` (checked in constant time). */
export async function verifyDownload(
  secret: string,
  owner: string,
  id: string,
  expiry: number,
  signature: string,
): Promise<boolean> {
  const mac = fromBase64(signature);
  if (mac?.length !== 32) return false;
  return crypto.subtle.verify("HMAC", await hmacKey(secret), mac, message(owner, id, expiry));
}

/**
 * A URL that downloads file `id` of account `owner` without an Authorization header until
 * `expiry` (unix seconds).
 *
 * @example
 * await signedDownloadUrl("http://127.0.0.1:8787", "dev", fileId, nowS + 86400, secret)
 * // "http://127.0.0.1:8787/v1/files/<id>/download?owner=dev&expiry=…&signature=…"
 */
export async function signedDownloadUrl(
  baseUrl: string,
  owner: string,
  id: string,
  expiry: number,
  secret: string,
): Promise<string> {
  const signature = await signDownload(secret, owner, id, expiry);
  const query = new URLSearchParams({ owner, expiry: String(expiry), signature });
  return `${baseUrl.replace(/\/+$/, "")}/v1/files/${encodeURIComponent(id)}/download?${query}`;
}

export interface DownloadGrant {
  owner: string;
  expiry: number;
  signature: string;
}

/** The grant in a download request's query, or null when a part is missing or malformed. */
export function parseDownloadQuery(query: {
  owner?: string | undefined;
  expiry?: string | undefined;
  signature?: string | undefined;
}): DownloadGrant | null {
  const { owner, expiry, signature } = query;
  if (!owner || !signature || !expiry || !/^\d{1,12}$/.test(expiry)) return null;
  return { owner, expiry: Number(expiry), signature };
}
