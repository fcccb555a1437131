import { z } from "zod";

/**
 * Prices are integer nano-dollars per second (1 USD = 1_000_000_000 n$), so that
 * $0.000025/s (cpu-small) is 25_000 and every sum stays exact.
 */
export const NANO_DOLLARS_PER_DOLLAR = 1_000_000_000;

export const HardwareSku = z.string().regex(/^(cpu|cpu-small|gpu-[a-z0-9-]+)$/, "not a hardware SKU");
export type HardwareSku = z.infer<typeof HardwareSku>;

export const HardwareSpec = z.object({
  sku: HardwareSku,
  name: z.string(),
  price_per_second: z.number().int().nonnegative(),
  gpu_count: z.number().int().nonnegative(),
  /** Lower-case fragment matched against `nvidia-smi` GPU names. */
  gpu_model: z.string().nullable(),
  gpu_memory_gb: z.number().int().nonnegative(),
  cpu_count: z.number().int().positive(),
  memory_gb: z.number().int().positive(),
});
export type HardwareSpec = z.infer<typeof HardwareSpec>;

const spec = (
  sku: string,
  name: string,
  pricePerSecond: number,
  gpuCount: number,
  gpuModel: string | null,
  gpuMemoryGb: number,
  cpuCount: number,
  memoryGb: number,
): HardwareSpec => ({
  sku,
  name,
  price_per_second: pricePerSecond,
  gpu_count: gpuCount,
  gpu_model: gpuModel,
  gpu_memory_gb: gpuMemoryGb,
  cpu_count: cpuCount,
  memory_gb: memoryGb,
});

/** The default catalog: Replicate's public per-second prices (reference §10). */
export const HARDWARE_CATALOG: readonly HardwareSpec[] = [
  spec("cpu-small", "CPU (Small)", 25_000, 0, null, 0, 1, 2),
  spec("cpu", "CPU", 100_000, 0, null, 0, 4, 8),
  spec("gpu-t4", "Nvidia T4 GPU", 225_000, 1, "t4", 16, 4, 16),
  spec("gpu-l40s", "Nvidia L40S GPU", 975_000, 1, "l40s", 48, 10, 65),
  spec("gpu-l40s-2x", "2x Nvidia L40S GPU", 1_950_000, 2, "l40s", 96, 20, 144),
  spec("gpu-l40s-4x", "4x Nvidia L40S GPU", 3_900_000, 4, "l40s", 192, 40, 288),
  spec("gpu-l40s-8x", "8x Nvidia L40S GPU", 7_800_000, 8, "l40s", 384, 80, 576),
  spec("gpu-a100-large", "Nvidia A100 (80GB) GPU", 1_400_000, 1, "a100", 80, 10, 144),
  spec("gpu-a100-large-2x", "2x Nvidia A100 (80GB) GPU", 2_800_000, 2, "a100", 160, 20, 288),
  spec("gpu-a100-large-4x", "4x Nvidia A100 (80GB) GPU", 5_600_000, 4, "a100", 320, 40, 576),
  spec("gpu-a100-large-8x", "8x Nvidia A100 (80GB) GPU", 11_200_000, 8, "a100", 640, 80, 1152),
  spec("gpu-h100", "Nvidia H100 GPU", 1_525_000, 1, "h100", 80, 13, 72),
  spec("gpu-h100-2x", "2x Nvidia H100 GPU", 3_050_000, 2, "h100", 160, 26, 144),
  spec("gpu-h100-4x", "4x Nvidia H100 GPU", 6_100_000, 4, "h100", 320, 52, 288),
  spec("gpu-h100-8x", "8x Nvidia H100 GPU", 12_200_000, 8, "h100", 640, 104, 576),
];

export function findHardware(sku: string): HardwareSpec | undefined {
  return HARDWARE_CATALOG.find((h) => h.sku === sku);
}

/** `GET /v1/hardware` entry. */
export const HardwareListItem = z.object({ name: z.string(), sku: HardwareSku });
export type HardwareListItem = z.infer<typeof HardwareListItem>;
