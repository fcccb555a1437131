import { describe, expect, it } from "vitest";
import { parseUploadPath, parseUploadUrl, safeName, uploadBase, uploadLocation } from "./upload-url.ts";

const TAG = "a".repeat(43);
const ID = "b".repeat(26);

describe("upload URLs", () => {
  it("takes apart what a server PUTs to and what the agent answers", () => {
    const base = uploadBase("http://127.0.0.1:9000/", "inst-1", TAG);
    expect(base).toBe(`http://127.0.0.1:9000/upload/inst-1/${TAG}/`);
    expect(parseUploadUrl(`${base}out.png`)).toEqual({ instanceId: "inst-1", tag: TAG, id: null, name: "out.png" });
    expect(parseUploadUrl(uploadLocation(base, ID, "my file.png"))).toEqual({
      instanceId: "inst-1",
      tag: TAG,
      id: ID,
      name: "my file.png",
    });
    // Cog joins `{base}/{name}`; containers reach the agent by another host name.
    expect(parseUploadPath(`/upload/inst-1/${TAG}//out.png`)?.name).toBe("out.png");
    expect(parseUploadUrl(`http://host.docker.internal:9000/upload/inst-1/${TAG}/x.txt`)?.instanceId).toBe("inst-1");
  });

  it("refuses what is not an upload URL", () => {
    for (const s of [
      "hello",
      "data:text/plain,x",
      "https://example.com/out.png",
      `http://h/upload/inst/${TAG.slice(1)}/x`,
      `http://h/upload/inst/${TAG}/`,
      `http://h/upload/inst/${TAG}/a/b/c`,
      `/upload/inst/${TAG}/x`,
    ]) {
      expect(parseUploadUrl(s), s).toBeNull();
    }
  });

  it("keeps names to safe basenames", () => {
    expect(safeName("a%2Fb")).toBe("a_b");
    expect(safeName("..")).toBeNull();
    expect(safeName("%E0%A4%A")).toBe("%E0%A4%A");
    expect(new TextEncoder().encode(safeName("é".repeat(300)) ?? "").length).toBeLessThanOrEqual(255);
  });
});
