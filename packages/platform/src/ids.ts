import { createHash, randomBytes } from "node:crypto";
import { BASE32_ALPHABET } from "@gantry/contracts/ids";

/** A 26-character lowercase base32 id from 130 random bits (Replicate's id shape). */
export function randomId(): string {
  const bytes = randomBytes(17);
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
