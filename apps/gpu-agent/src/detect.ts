import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { GpuInfo } from "@gantry/contracts/agents";
import {
  NVIDIA_SMI_MEMORY_QUERY,
  NVIDIA_SMI_QUERY,
  parseGpuMemoryUsed,
  parseNvidiaSmi,
  skuForGpus,
} from "./core/hardware.ts";

const run = promisify(execFile);

export interface DetectedHardware {
  sku: string;
  emulated: boolean;
  gpus: GpuInfo[];
}

/**
 * Real GPUs win: when `nvidia-smi` answers, the SKU comes from what it lists. Otherwise the SKU
 * comes from configuration, and anything but `cpu` is labelled emulated.
 */
export async function detectHardware(configuredSku: string): Promise<DetectedHardware> {
  try {
    const { stdout } = await run("nvidia-smi", NVIDIA_SMI_QUERY, { timeout: 10_000 });
    const gpus = parseNvidiaSmi(stdout);
    const sku = skuForGpus(gpus);
    if (sku) return { sku, emulated: false, gpus };
  } catch {
    // no NVIDIA driver on this host
  }
  return { sku: configuredSku, emulated: !configuredSku.startsWith("cpu"), gpus: [] };
}

/** GPU memory in use (MiB per GPU index); empty when `nvidia-smi` does not answer. */
export async function readGpuMemoryUsed(): Promise<Map<number, number>> {
  try {
    const { stdout } = await run("nvidia-smi", NVIDIA_SMI_MEMORY_QUERY, { timeout: 5000 });
    return parseGpuMemoryUsed(stdout);
  } catch {
    return new Map();
  }
}
