import { describe, expect, it } from "vitest";
import { signWebhook } from "./webhook-signing.ts";

describe("signWebhook", () => {
  it("passes the reference's (svix) test vector", async () => {
    const sig = await signWebhook(
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      "msg_p5jXN8AQM9LWM0D4loKWxJek",
      1614265330,
      '{"test": 2432232314}',
    );
    expect(sig).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("changes with any byte of the body", async () => {
    const a = await signWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", 1, "{}");
    const b = await signWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", 1, "{ }");
    expect(a).not.toBe(b);
  });
});
