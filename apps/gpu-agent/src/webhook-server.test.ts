import { describe, expect, it } from "vitest";
import { MAX_WEBHOOK_BYTES, startWebhookServer } from "./webhook-server.ts";

describe("the agent's webhook listener", () => {
  it("takes a model server's webhook only at the tagged URL it handed out", async () => {
    const got: [string, unknown][] = [];
    const { server, url } = await startWebhookServer(0, (id, body) => got.push([id, body]));
    try {
      const id = "p0000000000000000000000001";
      const post = (to: string, body = '{"status":"processing"}') => fetch(to, { method: "POST", body });
      expect((await post(url(id))).status).toBe(200);
      // Knowing a prediction id is not enough: no tag, a tag of another id, a forged tag.
      const base = url(id).replace(/\/[^/]+$/, "");
      expect((await post(base)).status).toBe(404);
      expect((await post(`${base}/${url("p0000000000000000000000002").split("/").at(-1)}`)).status).toBe(404);
      expect((await post(`${base}/${"A".repeat(43)}`)).status).toBe(404);
      await expect.poll(() => got).toEqual([[id, { status: "processing" }]]);
      // A body past the limit is refused, not buffered.
      const big = await fetch(url(id), { method: "POST", body: new Uint8Array(MAX_WEBHOOK_BYTES + 1) }).then(
        (r) => r.status,
        () => 413,
      );
      expect(big).toBe(413);
      expect(got).toHaveLength(1);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
