import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { generateNatsSeeds, type NatsSeeds, parseNatsSeeds } from "./nats-credentials.ts";

/**
 * The identities' nkey seeds kept in `file` (JSON, mode 0600, never committed): read when it
 * exists, generated and written otherwise. `npm start` keeps its own under `.data/`.
 */
export async function loadOrCreateNatsSeeds(file: string): Promise<NatsSeeds> {
  const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return null;
    throw err;
  });
  if (text !== null) {
    await chmod(file, 0o600);
    return parseNatsSeeds(JSON.parse(text));
  }
  const seeds = generateNatsSeeds();
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(seeds, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  return seeds;
}
