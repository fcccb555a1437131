import { AppError, NOT_FOUND_DETAIL } from "@gantry/contracts/errors";
import { PredictionId, Slug, VersionId } from "@gantry/contracts/ids";

/** File ids, like prediction ids: 26 lowercase base32 characters. */
const FILE_ID = /^[a-z0-9]{26}$/;
/** Stream capability tokens (`r8_…`). */
const STREAM_TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

const slug = (s: string | undefined) => s === undefined || Slug.safeParse(s).success;
const predictionId = (s: string | undefined) => s === undefined || PredictionId.safeParse(s).success;
const versionId = (s: string | undefined) => s === undefined || VersionId.safeParse(s).success;

/** Whether each id or name in an API path (below `/v1`) is one that could exist. */
function plausible(segments: string[]): boolean {
  const [kind, a, b, sub, c] = segments;
  switch (kind) {
    case "models":
      return slug(a) && slug(b) && (sub !== "versions" || versionId(c));
    case "deployments":
      return slug(a) && slug(b);
    case "collections":
      return slug(a);
    case "predictions":
    case "trainings":
      return predictionId(a);
    case "files":
      return a === undefined || FILE_ID.test(a);
    case "streams":
      return predictionId(a) && (b === undefined || STREAM_TOKEN.test(b));
    default:
      return true;
  }
}

/**
 * Every id and name in a request's path is checked against its contract before any route uses
 * it as a KV key or in a subject: a name that no resource can have (`a.`, `*`, `>`, 9,000
 * characters, bad percent-encoding) is a 404, quickly, like any resource that does not exist,
 * and never reaches NATS (where it could be an invalid subject, or a control line too long for
 * the connection every other request shares).
 */
export function checkPathIds(pathname: string): void {
  const raw = pathname.replace(/^\/v1\/?/, "").split("/");
  let segments: string[];
  try {
    segments = raw.map((s) => decodeURIComponent(s));
  } catch {
    throw new AppError("NOT_FOUND", NOT_FOUND_DETAIL);
  }
  // A trailing slash leaves an empty last segment: the router decides about that path.
  if (segments.at(-1) === "") segments.pop();
  if (!plausible(segments)) throw new AppError("NOT_FOUND", NOT_FOUND_DETAIL);
}
