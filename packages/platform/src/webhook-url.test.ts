import { describe, expect, it } from "vitest";
import { checkWebhookUrl, isBlockedAddress } from "./webhook-url.ts";

describe("isBlockedAddress", () => {
  it("blocks loopback, private, link-local, CGNAT and their IPv6 forms", () => {
    for (const ip of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "fd00::1",
      "fe80::1",
      "::ffff:10.0.0.1",
      "::ffff:7f00:1",
      "64:ff9b::7f00:1",
      "[::1]",
    ]) {
      expect(isBlockedAddress(ip), ip).toBe(true);
    }
  });

  it("lets public addresses through", () => {
    for (const ip of ["8.8.8.8", "172.32.0.1", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8"]) {
      expect(isBlockedAddress(ip), ip).toBe(false);
    }
  });
});

describe("checkWebhookUrl", () => {
  const lookup = async (host: string) => (host === "rebind.example" ? ["10.0.0.5"] : ["93.184.216.34"]);

  it("refuses literal private hosts, localhost, and names resolving to private addresses", async () => {
    for (const url of [
      "http://127.0.0.1:9000/x",
      "http://localhost/x",
      "http://[::1]/x",
      "http://[::ffff:127.0.0.1]:4222/",
      "http://[::ffff:7f00:1]:4222/",
      "http://2130706433/",
      "http://0177.1/",
      "https://169.254.169.254/latest",
      "https://rebind.example/x",
    ]) {
      await expect(checkWebhookUrl(url, { allowPrivate: false, lookup }), url).rejects.toMatchObject({
        code: "UNPROCESSABLE",
        invalidFields: [expect.objectContaining({ type: "invalid_webhook", field: "webhook" })],
      });
    }
  });

  it("refuses what is not http(s)", async () => {
    await expect(checkWebhookUrl("ftp://example.com/x", { allowPrivate: true })).rejects.toThrow(/http or https/);
    await expect(checkWebhookUrl("not a url", { allowPrivate: true })).rejects.toThrow(/not a URL/);
  });

  it("allows public hosts, and private ones when configured to", async () => {
    await expect(
      checkWebhookUrl("https://hooks.example.com/x", { allowPrivate: false, lookup }),
    ).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl("http://127.0.0.1:9000/x", { allowPrivate: true })).resolves.toBeInstanceOf(URL);
  });
});
