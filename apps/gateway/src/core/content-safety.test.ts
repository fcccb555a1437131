import { describe, expect, it } from "vitest";
import { contentDisposition, DOWNLOAD_CSP, downloadHeaders, servedContentType } from "./content-safety.ts";

describe("downloadHeaders", () => {
  it.each([
    ["text/html", "page.html"],
    ["text/html; charset=utf-8", "page.html"],
    ["application/xhtml+xml", "page.xhtml"],
    ["image/svg+xml", "logo.svg"],
    ["text/xml", "feed.xml"],
    ["application/xml", "feed.xml"],
    ["text/javascript", "app.js"],
    ["application/javascript", "app.js"],
    ["text/css", "site.css"],
    ["application/pdf", "doc.pdf"],
    ["application/json", "data.json"],
    ["multipart/x-mixed-replace; boundary=x", "stream"],
    ["application/x-unknown-thing", "blob.bin"],
    ["IMAGE/SVG+XML", "upper.svg"],
  ])("serves %s as an attachment that runs nothing", (type, name) => {
    const h = downloadHeaders(type, name);
    expect(h["content-disposition"]).toMatch(/^attachment; filename="/);
    expect(h["x-content-type-options"]).toBe("nosniff");
    expect(h["content-security-policy"]).toBe(DOWNLOAD_CSP);
    expect(h["content-security-policy"]).toContain("sandbox");
    expect(h["cross-origin-resource-policy"]).toBe("same-origin");
  });

  it.each(["image/png", "image/jpeg", "image/webp", "image/gif", "audio/wav", "video/mp4", "text/plain"])(
    "shows %s inline (it cannot run), still sandboxed and unsniffed",
    (type) => {
      const h = downloadHeaders(type, "out");
      expect(h["content-disposition"]).toBe('inline; filename="out"');
      expect(h["content-type"]).toBe(type);
      expect(h["x-content-type-options"]).toBe("nosniff");
      expect(h["content-security-policy"]).toBe(DOWNLOAD_CSP);
      expect(h["cross-origin-resource-policy"]).toBe("cross-origin");
    },
  );
});

describe("servedContentType", () => {
  it("keeps a well-formed type (lowercased, with a plausible charset) and drops other parameters", () => {
    expect(servedContentType("Text/HTML; Charset=UTF-8")).toBe("text/html; charset=utf-8");
    expect(servedContentType('text/plain; charset="iso-8859-1"; x=1')).toBe("text/plain; charset=iso-8859-1");
    expect(servedContentType("image/png; name=x.svg")).toBe("image/png");
  });

  it.each(["", "html", "text/", "/html", "text/html/x", "text/ht ml", "text/html, image/png", "ima<ge/png"])(
    "serves the malformed %j as application/octet-stream",
    (type) => {
      expect(servedContentType(type)).toBe("application/octet-stream");
      expect(downloadHeaders(type, "x")["content-disposition"]).toMatch(/^attachment;/);
    },
  );
});

describe("contentDisposition (RFC 6266, RFC 5987)", () => {
  it("quotes a plain ASCII name as it is", () => {
    expect(contentDisposition("attachment", "report 2026.html")).toBe('attachment; filename="report 2026.html"');
  });

  it("adds filename* in UTF-8 for other names, with an ASCII fallback", () => {
    expect(contentDisposition("attachment", "résumé (1).html")).toBe(
      `attachment; filename="r_sum_ (1).html"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%281%29.html`,
    );
    expect(contentDisposition("inline", "猫.png")).toBe(`inline; filename="_.png"; filename*=UTF-8''%E7%8C%AB.png`);
  });

  it("never lets a quote, backslash, path or line break out of the quoted name", () => {
    const value = contentDisposition("attachment", 'a"b\\c/../d\r\nSet-Cookie: x=1.html');
    expect(value).not.toMatch(/[\r\n]/);
    const quoted = /filename="([^"]*)"/.exec(value)?.[1];
    expect(quoted).toBe("a_b_c_.._d__Set-Cookie: x=1.html");
    expect(value).toContain(`filename*=UTF-8''a%22b_c_.._d__Set-Cookie%3A%20x%3D1.html`);
    expect(() => new Headers({ "content-disposition": value })).not.toThrow();
  });

  it("names a nameless file 'file'", () => {
    expect(contentDisposition("attachment", "  ")).toBe('attachment; filename="file"');
  });
});
