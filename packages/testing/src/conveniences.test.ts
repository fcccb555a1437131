import { describe, expect, it } from "vitest";
import { conveniencesBanner, localConveniences } from "./conveniences.ts";

describe("npm start's local conveniences", () => {
  it("are on unless set, and every one that is on is announced", () => {
    const { env, on } = localConveniences({});
    expect(env).toEqual({ GANTRY_WEBHOOKS_ALLOW_PRIVATE: "1", GANTRY_ALLOW_VERSION_COMMANDS: "1" });
    expect(on.map((c) => c.name)).toEqual(["GANTRY_WEBHOOKS_ALLOW_PRIVATE", "GANTRY_ALLOW_VERSION_COMMANDS"]);
    const banner = conveniencesBanner(on);
    expect(banner[0]).toMatch(/^Local conveniences on .*set them to 0 to run as production does/);
    expect(banner.slice(1)).toEqual([
      expect.stringMatching(/^ {2}GANTRY_WEBHOOKS_ALLOW_PRIVATE=1 +webhooks may reach this machine/),
      expect.stringMatching(/^ {2}GANTRY_ALLOW_VERSION_COMMANDS=1 +the dev account may register versions/),
    ]);
  });

  it("set to 0, pass 0 to the services and announce nothing: production as it runs", () => {
    const { env, on } = localConveniences({ GANTRY_WEBHOOKS_ALLOW_PRIVATE: "0", GANTRY_ALLOW_VERSION_COMMANDS: "0" });
    expect(env).toEqual({ GANTRY_WEBHOOKS_ALLOW_PRIVATE: "0", GANTRY_ALLOW_VERSION_COMMANDS: "0" });
    expect(on).toEqual([]);
    expect(conveniencesBanner(on)).toEqual([]);
  });

  it("announce only those still on, as the services read them (1 or true)", () => {
    const { on } = localConveniences({ GANTRY_WEBHOOKS_ALLOW_PRIVATE: "false", GANTRY_ALLOW_VERSION_COMMANDS: "true" });
    expect(on.map((c) => c.name)).toEqual(["GANTRY_ALLOW_VERSION_COMMANDS"]);
    expect(conveniencesBanner(on).join("\n")).not.toContain("GANTRY_WEBHOOKS_ALLOW_PRIVATE");
  });
});
