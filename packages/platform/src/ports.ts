import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * The kernel's ephemeral range (Linux), which outgoing connections draw their local ports from. A port
 * handed out from it can be taken by any client socket between `freePort()` closing its probe and the
 * service binding it (EADDRINUSE under load: many NATS and HTTP connections open at once).
 */
export function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (low && high && low <= high) return [low, high];
  } catch {
    // not Linux: the IANA dynamic range
  }
  return [49152, 65535];
}

const tryListen = (port: number): Promise<number | null> =>
  new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(null));
    srv.listen(port, "127.0.0.1", () => {
      const addr = srv.address();
      const bound = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(bound));
    });
  });

/**
 * A free loopback TCP port for a service about to start (tests, benchmarks, `npm start`). It is drawn at
 * random from below the kernel's ephemeral range, so no outgoing connection can take it before the
 * service binds it, and two callers side by side rarely draw the same one; a port found in use is
 * skipped. Falls back to one the OS picks.
 */
export async function freePort(random: () => number = Math.random): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const low = 10_000;
  const high = Math.min(ephemeralLow, 65_536) - 1;
  if (high - low >= 1000) {
    for (let i = 0; i < 50; i++) {
      const port = await tryListen(low + Math.floor(random() * (high - low + 1)));
      if (port) return port;
    }
  }
  const port = await tryListen(0);
  if (!port) throw new Error("no free loopback port");
  return port;
}
