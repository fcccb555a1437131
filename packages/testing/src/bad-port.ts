import { createServer } from "node:net";

/**
 * Ports that the Fetch standard calls "bad" and Node's fetch (undici) refuses without connecting,
 * above 1024 so a test may listen on them.
 */
export const BAD_PORTS = [6665, 6666, 6667, 6668, 6669, 6697, 6000, 5060, 5061, 10080, 4190, 6566] as const;

/** A loopback port of {@link BAD_PORTS} that nothing listens on now (the socket is closed before returning). */
export async function freeBadPort(): Promise<number> {
  for (const port of BAD_PORTS) {
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once("error", () => resolve(false));
      srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`every bad port is taken here: ${BAD_PORTS.join(", ")}`);
}
