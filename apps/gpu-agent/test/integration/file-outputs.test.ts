import { createHash } from "node:crypto";
import { FileRecord } from "@gantry/contracts/files";
import { pngSize } from "@gantry/demo-models/png";
import { decode } from "@gantry/platform/codec";
import { signDownload } from "@gantry/platform/signed-url";
import { signingSecret } from "@gantry/platform/signing-secret";
import { describe, expect, it } from "vitest";
import { startAgent } from "./harness.ts";

describe("file outputs", () => {
  it("a data: URL output becomes a stored file of the account and a signed URL that expires with it", async () => {
    const retentionMs = 90_000;
    const t = await startAgent({ topology: { replicas: 1, retentionMs } });
    try {
      const { id } = await t.run(
        { prompt: "a red fox", width: 64, height: 48, seed: 7 },
        { model: "image", streams: false },
      );
      const rec = await t.finished(id);
      expect(rec.status).toBe("succeeded");
      const [url] = rec.output as string[];
      const parsed = new URL(url ?? "");
      const m = /^\/v1\/files\/([a-z0-9]{26})\/download$/.exec(parsed.pathname);
      expect(`${parsed.origin}${parsed.pathname}`).toBe(`http://api.test/v1/files/${m?.[1]}/download`);
      const fileId = m?.[1] ?? "";

      // The record is the Files API's, owned by the prediction's account.
      const entry = await t.buckets.files.get(fileId);
      const file = decode(FileRecord, entry?.value ?? new Uint8Array(), "file");
      expect(file).toMatchObject({
        id: fileId,
        account_id: "acct",
        name: "out-0.png",
        content_type: "image/png",
        metadata: { prediction_id: id },
      });
      expect(Date.parse(file.expires_at) - Date.parse(file.created_at)).toBe(retentionMs);

      // The bytes are the PNG the model wrote.
      const bytes = (await t.buckets.objects.getBlob(fileId)) ?? new Uint8Array();
      expect(pngSize(bytes)).toEqual({ width: 64, height: 48 });
      expect(bytes.length).toBe(file.size);
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(file.checksums.sha256);
      expect(file.etag).toBe(file.checksums.md5);

      // Signed for that owner and file with the platform's shared key, valid until the file expires.
      const expiry = Number(parsed.searchParams.get("expiry"));
      expect(parsed.searchParams.get("owner")).toBe("acct");
      expect(expiry).toBe(Math.floor(Date.parse(file.expires_at) / 1000));
      const secret = await signingSecret(t.buckets.accounts);
      expect(parsed.searchParams.get("signature")).toBe(await signDownload(secret, "acct", fileId, expiry));
    } finally {
      await t.close();
    }
  });
});
