import { createHash } from "node:crypto";
import { BASE32_ALPHABET } from "@gantry/contracts/ids";

/**
 * Random bytes drawn from the platform's CSPRNG (Web Crypto, in Node and in workerd) 4 KiB at a time
 * and handed out once each: one system call for 240 ids instead of one per id (a few percent of the
 * gateway's CPU per prediction).
 */
const pool = new Uint8Array(4096);
let poolAt = pool.length;
function randomSlice(n: number): Uint8Array {
  if (poolAt + n > pool.length) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const bytes = pool.subarray(poolAt, poolAt + n);
  poolAt += n;
  return bytes;
}

/** A 26-character lowercase base32 id from 130 random bits (Replicate's id shape). */
export function randomId(): string {
  const bytes = randomSlice(17);
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      bits -= 5;
      out += BASE32_ALPHABET[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

/** An API token: `r8_` followed by 40 base32 characters (about 200 bits). */
export function randomToken(): string {
  return `r8_${randomId()}${randomId().slice(0, 14)}`;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
