/**
 * The agent's upload endpoint for model servers' output files (Cog's `--upload-url`, reference
 * §2.4), as pure functions. A server gets `{origin}/upload/{instance}/{tag}/` and PUTs
 * `{that}{basename}`; the agent answers with `Location: {that}{upload id}/{basename}`, which Cog
 * puts in the output. The tag (an HMAC of the instance id, made by the caller) keeps another
 * process that learns an instance id from uploading in its name.
 */

/** Tags are base64url SHA-256 HMACs: 43 characters. */
const TAG = "[A-Za-z0-9_-]{43}";
/** Upload ids are the platform's file ids. */
const ID = "[a-z0-9]{26}";
const PATH = new RegExp(`^/upload/([A-Za-z0-9._-]{1,128})/(${TAG})/(?:(${ID})/)?([^/]+)$`);

export interface UploadPath {
  instanceId: string;
  tag: string;
  /** Present in the URLs the agent hands back (`Location`); absent in the URL a server PUTs to. */
  id: string | null;
  /** The file's name, decoded. */
  name: string;
}

/** The base URL a server of `instanceId` uploads under. */
export function uploadBase(origin: string, instanceId: string, tag: string): string {
  return `${origin.replace(/\/$/, "")}/upload/${instanceId}/${tag}/`;
}

/** The URL that names a stored upload (the `Location` answer). */
export function uploadLocation(base: string, id: string, name: string): string {
  return `${base}${id}/${encodeURIComponent(name)}`;
}

/**
 * An upload path (`/upload/…`, query already removed) taken apart; `null` when it is not one.
 * Servers may double the slash before the name (`{base}/{name}`).
 */
export function parseUploadPath(path: string): UploadPath | null {
  const m = PATH.exec(path.replace(/\/{2,}/g, "/"));
  if (!m) return null;
  const name = safeName(m[4] ?? "");
  if (!name) return null;
  return { instanceId: m[1] ?? "", tag: m[2] ?? "", id: m[3] ?? null, name };
}

/** An output string's upload path when it is an absolute http(s) URL of the upload endpoint. */
export function parseUploadUrl(value: string): UploadPath | null {
  if (!/^https?:\/\/[^/]+\/upload\//.test(value)) return null;
  try {
    return parseUploadPath(new URL(value).pathname);
  } catch {
    return null;
  }
}

/** A basename from a path segment: percent-decoded, no separators or control characters, ≤ 255 bytes. */
export function safeName(segment: string): string | null {
  let name: string;
  try {
    name = decodeURIComponent(segment);
  } catch {
    name = segment;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  name = name.replace(/[\u0000-\u001f\u007f/\\]/g, "_");
  if (name === "" || name === "." || name === "..") return null;
  while (new TextEncoder().encode(name).length > 255) name = name.slice(0, -1);
  return name;
}
