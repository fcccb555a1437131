import { connect } from "node:net";

/**
 * Whether anything accepts a TCP connection at a `url` model server's address: null when it does,
 * else the system's reason (`connect ECONNREFUSED 127.0.0.1:5000`). A server that is not there
 * refuses at once; one that is starting up still accepts connections.
 */
export function unreachableReason(baseUrl: string, timeoutMs: number): Promise<string | null> {
  const url = new URL(baseUrl);
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (reason: string | null) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done(`no connection within ${timeoutMs} ms`));
    socket.once("connect", () => done(null));
    socket.once("error", (err) => done(err.message));
  });
}

/** Why a `url` server's boot failed, and what the operator can do about it. */
export function unreachableMessage(url: string, reason: string): string {
  return (
    `The model server at ${url} is not reachable: ${reason}. Gantry does not start servers registered by URL: ` +
    "start it again at that address (reachable from this agent), or create a new version with the URL where it runs now."
  );
}
