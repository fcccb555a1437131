import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseDownloadQuery, signDownload, signedDownloadUrl, verifyDownload } from "./signed-url.ts";

const secret = "test-signing-secret";
const id = "abcdefghijklmnopqrstuvwxyz";

describe("signed download URLs", () => {
  it("sign base64 HMAC-SHA256 of `{owner} {id} {expiry}` (reference §7.1)", async () => {
    const expected = createHmac("sha256", secret).update(`dev ${id} 1700000000`).digest("base64");
    expect(await signDownload(secret, "dev", id, 1700000000)).toBe(expected);
  });

  it("verify their own signature and nothing else", async () => {
    const sig = await signDownload(secret, "dev", id, 1700000000);
    expect(await verifyDownload(secret, "dev", id, 1700000000, sig)).toBe(true);
    expect(await verifyDownload(secret, "dev", id, 1700000001, sig)).toBe(false);
    expect(await verifyDownload(secret, "eve", id, 1700000000, sig)).toBe(false);
    expect(await verifyDownload(secret, "dev", `${id.slice(1)}a`, 1700000000, sig)).toBe(false);
    expect(await verifyDownload("another-secret", "dev", id, 1700000000, sig)).toBe(false);
    const tampered = (sig[0] === "A" ? "B" : "A") + sig.slice(1);
    expect(await verifyDownload(secret, "dev", id, 1700000000, tampered)).toBe(false);
    expect(await verifyDownload(secret, "dev", id, 1700000000, "")).toBe(false);
    expect(await verifyDownload(secret, "dev", id, 1700000000, "not base64!")).toBe(false);
    expect(await verifyDownload(secret, "dev", id, 1700000000, sig.slice(0, 20))).toBe(false);
  });

  it("accept the signature as a query string may mangle it: `+` read as a space, or URL-safe", async () => {
    let sig = "";
    let expiry = 1700000000;
    // Find a signature that has a '+' or '/' in it.
    while (!/[+/]/.test(sig)) sig = await signDownload(secret, "dev", id, ++expiry);
    expect(await verifyDownload(secret, "dev", id, expiry, sig.replace(/\+/g, " "))).toBe(true);
    const urlSafe = sig.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    expect(await verifyDownload(secret, "dev", id, expiry, urlSafe)).toBe(true);
  });

  it("build `<base>/v1/files/<id>/download?owner=&expiry=&signature=` with an encoded signature", async () => {
    const url = new URL(await signedDownloadUrl("http://127.0.0.1:8787/", "dev", id, 1700000000, secret));
    expect(url.origin + url.pathname).toBe(`http://127.0.0.1:8787/v1/files/${id}/download`);
    expect(url.searchParams.get("owner")).toBe("dev");
    expect(url.searchParams.get("expiry")).toBe("1700000000");
    const signature = url.searchParams.get("signature") ?? "";
    expect(signature).toBe(await signDownload(secret, "dev", id, 1700000000));
    const grant = parseDownloadQuery(Object.fromEntries(url.searchParams));
    expect(grant).toEqual({ owner: "dev", expiry: 1700000000, signature });
  });

  it("parse only complete grants with a numeric expiry", () => {
    expect(parseDownloadQuery({ owner: "dev", expiry: "1", signature: "x" })).toEqual({
      owner: "dev",
      expiry: 1,
      signature: "x",
    });
    expect(parseDownloadQuery({ owner: "dev", expiry: "1" })).toBeNull();
    expect(parseDownloadQuery({ expiry: "1", signature: "x" })).toBeNull();
    expect(parseDownloadQuery({ owner: "dev", expiry: "soon", signature: "x" })).toBeNull();
    expect(parseDownloadQuery({ owner: "dev", expiry: "-1", signature: "x" })).toBeNull();
    expect(parseDownloadQuery({ owner: "dev", expiry: "1e9", signature: "x" })).toBeNull();
  });
});
