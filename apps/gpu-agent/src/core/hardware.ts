import type { GpuInfo } from "@gantry/contracts/agents";
import { HARDWARE_CATALOG } from "@gantry/contracts/hardware";

/** The query the agent runs: `nvidia-smi --query-gpu=<fields> --format=csv,noheader,nounits`. */
export const NVIDIA_SMI_QUERY = ["--query-gpu=index,name,uuid,memory.total", "--format=csv,noheader,nounits"];

/** Parses the CSV that `NVIDIA_SMI_QUERY` prints: one GPU per line. */
export function parseNvidiaSmi(csv: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of csv.split("\n")) {
    const cells = line.split(",").map((c) => c.trim());
    if (cells.length < 4) continue;
    const [index, name, uuid, memory] = cells;
    const idx = Number(index);
    const mem = Number(memory);
    if (!Number.isInteger(idx) || !Number.isFinite(mem) || !name || !uuid) continue;
    gpus.push({ index: idx, name, uuid, memory_mib: Math.round(mem) });
  }
  return gpus;
}

/**
 * The catalog SKU these GPUs make: same model, and the largest GPU count the host can fill.
 * A host with 8 H100s is `gpu-h100-8x`; with 3 it offers `gpu-h100-2x`. `null` when no SKU fits.
 */
export function skuForGpus(gpus: GpuInfo[]): string | null {
  const first = gpus[0];
  if (!first || !gpus.every((g) => g.name === first.name)) return null;
  const name = first.name.toLowerCase();
  const candidates = HARDWARE_CATALOG.filter(
    (h) => h.gpu_model !== null && name.includes(h.gpu_model) && h.gpu_count <= gpus.length,
  ).filter((h) => h.gpu_model !== "a100" || first.memory_mib >= 60_000);
  candidates.sort((a, b) => b.gpu_count - a.gpu_count);
  return candidates[0]?.sku ?? null;
}
