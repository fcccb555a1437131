import { z } from "zod";

/** RFC 3339 UTC timestamp with millisecond precision, as `Date#toISOString` writes it. */
export const Timestamp = z.iso.datetime({ offset: true });
export type Timestamp = z.infer<typeof Timestamp>;

/** Wire ISO string ↔ domain `Date`. */
export const DateCodec = z.codec(Timestamp, z.date(), {
  decode: (iso) => new Date(iso),
  encode: (date) => date.toISOString(),
});
