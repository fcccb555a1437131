import { createHash } from "node:crypto";
import type { Predictor } from "./cog-server.ts";
import { cogOpenApi } from "./openapi.ts";
import { encodePng } from "./png.ts";
import { mulberry32, randomSeed } from "./prng.ts";

type Rgb = [number, number, number];

/** Colour words a prompt may name; the first one found sets the picture's main colour. */
const COLOURS: Record<string, Rgb> = {
  red: [214, 40, 40],
  orange: [247, 127, 0],
  yellow: [252, 191, 73],
  green: [56, 142, 60],
  blue: [33, 100, 200],
  purple: [123, 44, 191],
  pink: [240, 98, 146],
  brown: [121, 85, 72],
  black: [20, 20, 20],
  white: [240, 240, 240],
  grey: [128, 128, 128],
  gray: [128, 128, 128],
};

function hueToRgb(h: number): Rgb {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return Math.round(255 * (1 - Math.max(0, Math.min(k, 4 - k, 1)) * 0.8));
  };
  return [f(5), f(3), f(1)];
}

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [
  a[0] + (b[0] - a[0]) * t,
  a[1] + (b[1] - a[1]) * t,
  a[2] + (b[2] - a[2]) * t,
];

/**
 * Paints a picture from the prompt and seed: a smooth interference pattern between a main colour
 * (named in the prompt, or picked from its hash) and a second one, with a few soft discs.
 * The same prompt, seed and size always give the same pixels.
 */
export function paint(prompt: string, seed: number, width: number, height: number): Uint8Array {
  const digest = createHash("sha256").update(`${prompt}\0${seed}`).digest();
  const random = mulberry32(digest.readUInt32BE(0));
  const words = prompt.toLowerCase().match(/[a-z]+/g) ?? [];
  const named = words.map((w) => COLOURS[w]).find((c) => c !== undefined);
  const main = named ?? hueToRgb(random());
  const second = mix(hueToRgb(random()), [255, 255, 255], 0.35);
  const f = [random() * 12 + 2, random() * 12 + 2, random() * 8 + 1, random() * 20 + 4];
  const p = [random() * 6.3, random() * 6.3, random() * 6.3];
  const discs = Array.from({ length: 3 + Math.floor(random() * 4) }, () => ({
    x: random(),
    y: random(),
    r: 0.08 + random() * 0.2,
    c: mix(main, [255, 255, 255], random() * 0.6),
  }));
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const v = y / height;
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const d = Math.hypot(u - 0.5, v - 0.5);
      const wave =
        (Math.sin(u * (f[0] ?? 1) + (p[0] ?? 0)) +
          Math.sin(v * (f[1] ?? 1) + (p[1] ?? 0)) +
          Math.sin((u + v) * (f[2] ?? 1) + (p[2] ?? 0)) +
          Math.sin(d * (f[3] ?? 1))) /
          8 +
        0.5;
      let colour = mix(main, second, wave * 0.7);
      for (const disc of discs) {
        const inside = 1 - Math.hypot(u - disc.x, v - disc.y) / disc.r;
        if (inside > 0) colour = mix(colour, disc.c, Math.min(1, inside * 2) * 0.8);
      }
      const i = (y * width + x) * 3;
      rgb[i] = Math.round(colour[0]);
      rgb[i + 1] = Math.round(colour[1]);
      rgb[i + 2] = Math.round(colour[2]);
    }
  }
  return rgb;
}

function size(input: Record<string, unknown>, name: string): number {
  const v = Number(input[name] ?? 256);
  if (!Number.isInteger(v) || v < 16 || v > 1024) throw new Error(`${name} must be an integer from 16 to 1024`);
  return v;
}

/**
 * `gantry/image`: writes a PNG derived from the prompt and returns it as a list of one file. Like a
 * Cog model returning a `cog.Path`, the file leaves the server as a `data:` URL (reference §2.3);
 * the agent stores it and hands out a download URL instead.
 */
export const imageModel: Predictor = {
  openapi: cogOpenApi({
    properties: {
      prompt: { type: "string", title: "Prompt", description: "What to paint", "x-order": 0 },
      width: {
        type: "integer",
        title: "Width",
        description: "Width in pixels",
        default: 256,
        minimum: 16,
        maximum: 1024,
        "x-order": 1,
      },
      height: {
        type: "integer",
        title: "Height",
        description: "Height in pixels",
        default: 256,
        minimum: 16,
        maximum: 1024,
        "x-order": 2,
      },
      seed: {
        type: "integer",
        title: "Seed",
        description: "Random seed: the same seed gives the same picture. Leave blank to randomize",
        "x-order": 3,
      },
    },
    required: ["prompt"],
    output: { type: "array", items: { type: "string", format: "uri" }, title: "Output" },
  }),
  async predict(input, ctx) {
    const width = size(input, "width");
    const height = size(input, "height");
    const seed = input.seed === undefined || input.seed === null ? randomSeed() : Number(input.seed);
    if (!Number.isInteger(seed)) throw new Error("seed must be an integer");
    ctx.log(`Using seed: ${seed}`);
    const png = encodePng(width, height, paint(String(input.prompt ?? ""), seed, width, height));
    ctx.log(`wrote a ${width}x${height} PNG (${png.length} bytes)`);
    return [`data:image/png;base64,${png.toString("base64")}`];
  },
};
