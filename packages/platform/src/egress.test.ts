import { describe, expect, it } from "vitest";
import { blockedReason, checkEgressUrl, EgressRefused, isBlockedAddress } from "./egress.ts";

describe("blockedReason: every range but public unicast is refused", () => {
  const refused: [string, RegExp][] = [
    ["127.0.0.1", /loopback/],
    ["127.255.0.9", /loopback/],
    ["10.1.2.3", /private/],
    ["172.16.0.1", /private/],
    ["192.168.1.1", /private/],
    ["169.254.169.254", /linkLocal/],
    ["100.64.0.1", /carrierGradeNat/],
    ["0.0.0.0", /unspecified/],
    ["255.255.255.255", /broadcast/],
    ["224.0.0.1", /multicast/],
    ["240.0.0.1", /reserved/],
    ["192.0.2.1", /reserved/],
    ["198.18.0.1", /reserved|benchmarking/],
    ["::", /unspecified/],
    ["[::]", /unspecified/],
    ["::1", /loopback/],
    ["[::1]", /loopback/],
    ["fd00::1", /uniqueLocal/],
    ["fc00::1", /uniqueLocal/],
    ["fe80::1", /linkLocal/],
    ["ff02::1", /multicast/],
    ["2001:db8::1", /reserved/],
    // IPv4-mapped, dotted and hex (the WHATWG URL parser writes the latter).
    ["::ffff:127.0.0.1", /loopback/],
    ["::ffff:7f00:1", /loopback/],
    ["::ffff:a00:5", /private/],
    ["::ffff:169.254.169.254", /linkLocal/],
    // Transition addresses carrying a private IPv4, and whatever they carry.
    ["64:ff9b::7f00:1", /NAT64 address of 127\.0\.0\.1/],
    ["64:ff9b::a9fe:a9fe", /NAT64 address of 169\.254\.169\.254/],
    ["64:ff9b::808:808", /NAT64 address/],
    ["64:ff9b:1::a00:1", /local-use NAT64/],
    ["2002:7f00:1::", /6to4 address of 127\.0\.0\.1/],
    ["2002:0a00:0001::1", /6to4 address of 10\.0\.0\.1/],
    ["2001:0:4136:e378:8000:63bf:80ff:fffe", /Teredo address of 127\.0\.0\.1/],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", /Teredo address/],
    ["::7f00:1", /IPv4-compatible address of 127\.0\.0\.1/],
    ["::ffff:0:7f00:1", /rfc6145/],
    ["100::1", /discard/],
    ["not-an-ip", /not an IP address/],
  ];
  it.each(refused)("%s is refused (%s)", (ip, why) => {
    expect(blockedReason(ip)).toMatch(why);
    expect(isBlockedAddress(ip)).toBe(true);
  });

  it.each(["8.8.8.8", "1.1.1.1", "172.32.0.1", "93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8"])(
    "%s is public",
    (ip) => {
      expect(blockedReason(ip)).toBeNull();
    },
  );
});

describe("checkEgressUrl", () => {
  const lookup = async (host: string) =>
    ({
      "rebind.example": ["93.184.216.34", "10.0.0.5"],
      "meta.example": ["169.254.169.254"],
      "v6.example": ["::ffff:7f00:1"],
      "nat64.example": ["64:ff9b::7f00:1"],
      "public.example": ["93.184.216.34", "2606:4700::1111"],
    })[host] ?? [];
  const refuse = (url: string, allowPrivate = false) =>
    checkEgressUrl(url, { allowPrivate, lookup }).then(
      () => null,
      (err: unknown) => (err instanceof EgressRefused ? err.message : `unexpected ${String(err)}`),
    );

  it("refuses every spelling of a loopback, private or metadata address", async () => {
    for (const url of [
      "http://127.0.0.1:9000/x",
      "http://2130706433/",
      "http://0177.1/",
      "http://0x7f.1/",
      "http://0x7f000001/",
      "http://127.1/",
      "http://127.0.1/",
      "http://017700000001/",
      "http://0.0.0.0/",
      "http://0/",
      "http://[::]/",
      "http://[::1]:8222/",
      "http://[::ffff:127.0.0.1]:4222/",
      "http://[::ffff:7f00:1]:4222/",
      "http://[0:0:0:0:0:ffff:127.0.0.1]/",
      "http://[64:ff9b::127.0.0.1]/",
      "http://[2002:7f00:1::]/",
      "http://[::127.0.0.1]/",
      "http://[fe80::1%25eth0]/",
      "http://169.254.169.254/latest/meta-data",
      "http://[::ffff:169.254.169.254]/latest",
      "http://100.64.0.1/",
      "http://[fd12:3456::1]/",
      "http://localhost/x",
      "http://LOCALHOST./x",
      "http://app.localhost:8080/",
      "https://rebind.example/x",
      "https://meta.example/x",
      "https://v6.example/x",
      "https://nat64.example/x",
      "https://nowhere.example/x",
    ]) {
      expect(await refuse(url), url).toMatch(/may not reach|does not resolve|not a URL/);
    }
  });

  it("WHATWG URL rewrites the numeric IPv4 forms before the check", () => {
    for (const url of ["http://2130706433/", "http://0177.1/", "http://0x7f.1/", "http://127.1/"]) {
      expect(new URL(url).hostname, url).toBe("127.0.0.1");
    }
    expect(new URL("http://[::ffff:127.0.0.1]/").hostname).toBe("[::ffff:7f00:1]");
  });

  it("refuses what is not http(s), credentials and bad ports, even where private addresses are allowed", async () => {
    expect(await refuse("ftp://example.com/x", true)).toMatch(/http or https/);
    expect(await refuse("file:///etc/passwd", true)).toMatch(/http or https/);
    expect(await refuse("gopher://127.0.0.1:4222/_PUB", true)).toMatch(/http or https/);
    expect(await refuse("not a url", true)).toMatch(/not a URL/);
    expect(await refuse("http://user:pw@public.example/", true)).toMatch(/credentials/);
    for (const port of [22, 25, 6667]) {
      expect(await refuse(`http://public.example:${port}/`, true), String(port)).toMatch(/port/);
    }
  });

  it("lets public hosts through on any other port, and private ones only when allowed", async () => {
    for (const url of [
      "https://public.example/hook",
      "http://public.example:8080/hook",
      "http://93.184.216.34:4222/",
      "http://[2606:4700::1111]/",
    ]) {
      expect(await refuse(url), url).toBeNull();
    }
    expect(await refuse("http://127.0.0.1:4222/", true)).toBeNull();
    expect(await refuse("http://[::ffff:7f00:1]:9000/", true)).toBeNull();
  });

  it("without a resolver (workerd) judges literal hosts only", async () => {
    await expect(checkEgressUrl("http://[::ffff:7f00:1]/", { allowPrivate: false })).rejects.toThrow(/loopback/);
    await expect(checkEgressUrl("https://rebind.example/", { allowPrivate: false })).resolves.toBeInstanceOf(URL);
  });
});
