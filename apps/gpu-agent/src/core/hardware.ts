import type { GpuInfo } from "@gantry/contracts/agents";
import { HARDWARE_CATALOG } from "@gantry/contracts/hardware";

/** The query the agent runs: `nvidia-smi --query-gpu=<fields> --format=csv,noheader,nounits`. */
export const NVIDIA_SMI_QUERY = ["--query-gpu=index,name,uuid,memory.total", "--format=csv,noheader,nounits"];

/** The query for GPU memory in use, run for each heartbeat on GPU hosts. */
export const NVIDIA_SMI_MEMORY_QUERY = ["--query-gpu=index,memory.used,memory.total", "--format=csv,noheader,nounits"];

/** A number cell; tolerates the unit suffix that `nvidia-smi` adds without `nounits` ("81559 MiB"). */
const mib = (cell: string | undefined) => Number((cell ?? "").replace(/\s*MiB$/i, ""));

/** Parses the CSV that `NVIDIA_SMI_QUERY` prints: one GPU per line. */
export function parseNvidiaSmi(csv: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of csv.split("\n")) {
    const cells = line.split(",").map((c) => c.trim());
    if (cells.length < 4) continue;
    const [index, name, uuid, memory] = cells;
    const idx = Number(index);
    const mem = mib(memory);
    if (!Number.isInteger(idx) || !Number.isFinite(mem) || !name || !uuid) continue;
    gpus.push({ index: idx, name, uuid, memory_mib: Math.round(mem) });
  }
  return gpus;
}

/** Parses what `NVIDIA_SMI_MEMORY_QUERY` prints: MiB in use per GPU index. */
export function parseGpuMemoryUsed(csv: string): Map<number, number> {
  const used = new Map<number, number>();
  for (const line of csv.split("\n")) {
    const [index, memoryUsed] = line.split(",").map((c) => c.trim());
    const idx = Number(index);
    const mem = mib(memoryUsed);
    if (index && Number.isInteger(idx) && memoryUsed && Number.isFinite(mem)) used.set(idx, Math.round(mem));
  }
  return used;
}

/** The GPUs with the memory in use added (GPUs missing from the reading are left as they were). */
export function withMemoryUsed(gpus: GpuInfo[], used: Map<number, number>): GpuInfo[] {
  return gpus.map((g) => {
    const u = used.get(g.index);
    return u === undefined ? g : { ...g, memory_used_mib: u };
  });
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
