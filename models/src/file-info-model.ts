import { createHash } from "node:crypto";
import type { Predictor } from "./cog-server.ts";
import { cogOpenApi } from "./openapi.ts";

/**
 * `gantry/file-info`: downloads its `file` input (an http(s) or data: URL) and reports its size,
 * SHA-256 and content type. Proves that file inputs reach a model as URLs it can fetch.
 */
export const fileInfoModel: Predictor = {
  openapi: cogOpenApi({
    properties: {
      file: {
        type: "string",
        format: "uri",
        title: "File",
        description: "The file to describe",
        "x-order": 0,
      },
    },
    required: ["file"],
    output: {
      type: "object",
      properties: {
        size: { type: "integer", title: "Size" },
        sha256: { type: "string", title: "Sha256" },
        content_type: { type: "string", title: "Content Type" },
      },
      required: ["size", "sha256", "content_type"],
    },
  }),
  async predict(input, ctx) {
    const url = String(input.file);
    const res = await fetch(url, { signal: ctx.signal });
    if (!res.ok || !res.body) throw new Error(`could not download the file: HTTP ${res.status}`);
    const hash = createHash("sha256");
    let size = 0;
    const reader = res.body.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      hash.update(r.value);
      size += r.value.length;
    }
    const contentType = res.headers.get("content-type") ?? "application/octet-stream";
    ctx.log(`read ${size} bytes (${contentType})`);
    return { size, sha256: hash.digest("hex"), content_type: contentType };
  },
};
