import { AppError } from "@gantry/contracts/errors";
import { describe, expect, it } from "vitest";
import { checkInputUrls } from "./input-urls.ts";

const lookup = async () => ["93.184.216.34"];
const fileUrl = (origin: string) => `${origin}/v1/files/${"a".repeat(26)}/download?owner=x&expiry=1&signature=y`;

describe("checkInputUrls and the platform's own file URLs", () => {
  it("exempts file URLs on the configured public origin only", async () => {
    await expect(
      checkInputUrls({ f: fileUrl("http://127.0.0.1:8787") }, "http://127.0.0.1:8787", lookup),
    ).resolves.toBeUndefined();
  });

  it("without a configured origin, a 'file URL' on an internal host is judged as egress (the Host header is the client's)", async () => {
    const err = await checkInputUrls({ f: fileUrl("http://10.0.0.5:8080") }, null, lookup).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).invalidFields).toEqual([
      expect.objectContaining({ type: "invalid_url", field: "input.f" }),
    ]);
  });

  it("judges what a model server would fetch: the text up to the first space, blanks and controls dropped", async () => {
    for (const f of ["http://10.1.2.3/ please", "\thttp://10.1.2.3/", "http://10.1.\n2.3/"]) {
      await expect(checkInputUrls({ f }, null, lookup), JSON.stringify(f)).rejects.toBeInstanceOf(AppError);
    }
    await expect(checkInputUrls({ f: "see http://10.1.2.3/" }, null, lookup)).resolves.toBeUndefined();
  });
});
