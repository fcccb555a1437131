import { readFileSync } from "node:fs";
import type { GpuInfo } from "@gantry/contracts/agents";
import { describe, expect, it } from "vitest";
import {
  NVIDIA_SMI_MEMORY_QUERY,
  NVIDIA_SMI_QUERY,
  parseGpuMemoryUsed,
  parseNvidiaSmi,
  skuForGpus,
  withMemoryUsed,
} from "./hardware.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../../test/fixtures/nvidia-smi/${name}`, import.meta.url), "utf8");

describe("parseNvidiaSmi on a real recording (one H100 80GB HBM3)", () => {
  const gpus = parseNvidiaSmi(fixture("h100-80gb-hbm3.csv"));

  it("finds the one GPU with its memory", () => {
    expect(gpus).toEqual([
      { index: 0, name: "NVIDIA H100 80GB HBM3", uuid: "GPU-6eb5ec5b-0e89-894c-306d-c2f8a34b4bc7", memory_mib: 81559 },
    ]);
  });

  it("maps it to gpu-h100", () => {
    expect(skuForGpus(gpus)).toBe("gpu-h100");
  });

  it("reads the first four columns of the wider recording the same way", () => {
    expect(parseNvidiaSmi(fixture("h100-80gb-hbm3.full.csv"))).toEqual(gpus);
  });

  it("is the query the recording was made with", () => {
    expect(NVIDIA_SMI_QUERY).toEqual(["--query-gpu=index,name,uuid,memory.total", "--format=csv,noheader,nounits"]);
  });
});

describe("recordings of other hosts (see test/fixtures/nvidia-smi/README.md)", () => {
  it("reads the CSV with a header and units (--format=csv) the same way", () => {
    expect(parseNvidiaSmi(fixture("h100-80gb-hbm3.header-units.csv"))).toEqual([
      { index: 0, name: "NVIDIA H100 80GB HBM3", uuid: "GPU-e1f592a8-8254-3ff1-46d4-5cf581aabc32", memory_mib: 81559 },
    ]);
  });

  it("an H200 is read, but no catalog SKU fits it", () => {
    const gpus = parseNvidiaSmi(fixture("h200.csv"));
    expect(gpus).toEqual([
      { index: 0, name: "NVIDIA H200", uuid: "GPU-122f5b78-a06d-7c66-2b2c-7780640da0ed", memory_mib: 143771 },
    ]);
    expect(skuForGpus(gpus)).toBeNull();
  });

  it.each([
    ["h100-80gb-hbm3.memory.csv", 0],
    ["h100-80gb-hbm3.memory-loaded.csv", 12907],
    ["h200.memory.csv", 0],
    ["h200.memory-loaded.csv", 21099],
  ])("memory in use from %s: %i MiB", (name, used) => {
    expect(parseGpuMemoryUsed(fixture(name))).toEqual(new Map([[0, used]]));
  });

  it("adds the memory in use to the detected GPUs", () => {
    const gpus = withMemoryUsed(
      parseNvidiaSmi(fixture("h200.csv")),
      parseGpuMemoryUsed(fixture("h200.memory-loaded.csv")),
    );
    expect(gpus[0]?.memory_used_mib).toBe(21099);
    expect(withMemoryUsed(gpus, new Map())).toEqual(gpus);
  });

  it("is the memory query the recordings were made with", () => {
    expect(NVIDIA_SMI_MEMORY_QUERY).toEqual([
      "--query-gpu=index,memory.used,memory.total",
      "--format=csv,noheader,nounits",
    ]);
  });
});

/** Hand-written `nvidia-smi` CSV, NOT recorded from real hosts: `count` lines of one model. */
function handWritten(count: number, name: string, memoryMib: number): string {
  return Array.from(
    { length: count },
    (_, i) => `${i}, ${name}, GPU-00000000-0000-0000-0000-00000000000${i}, ${memoryMib}`,
  ).join("\n");
}

describe("parseNvidiaSmi on hand-written inputs", () => {
  it("reads one GPU per line, skipping blank, header and short lines", () => {
    const csv = [
      "index, name, uuid, memory.total [MiB]",
      "",
      handWritten(2, "NVIDIA H100 80GB HBM3", 81559),
      "garbage",
      "",
    ].join("\n");
    const gpus = parseNvidiaSmi(csv);
    expect(gpus.map((g) => g.index)).toEqual([0, 1]);
    expect(gpus[1]).toEqual({
      index: 1,
      name: "NVIDIA H100 80GB HBM3",
      uuid: "GPU-00000000-0000-0000-0000-000000000001",
      memory_mib: 81559,
    });
  });

  it("handles CRLF line ends", () => {
    expect(parseNvidiaSmi("0, Tesla T4, GPU-abc, 15360\r\n")).toEqual([
      { index: 0, name: "Tesla T4", uuid: "GPU-abc", memory_mib: 15360 },
    ]);
  });

  it("is empty for no output", () => {
    expect(parseNvidiaSmi("")).toEqual([]);
  });
});

describe("skuForGpus on hand-written inputs", () => {
  it.each([
    ["8x H100", handWritten(8, "NVIDIA H100 80GB HBM3", 81559), "gpu-h100-8x"],
    ["4x H100", handWritten(4, "NVIDIA H100 80GB HBM3", 81559), "gpu-h100-4x"],
    ["3x H100 (offers the 2x it can fill)", handWritten(3, "NVIDIA H100 80GB HBM3", 81559), "gpu-h100-2x"],
    ["2x H100", handWritten(2, "NVIDIA H100 80GB HBM3", 81559), "gpu-h100-2x"],
    ["A100 80GB", handWritten(1, "NVIDIA A100-SXM4-80GB", 81920), "gpu-a100-large"],
    ["A100 40GB (no 40GB SKU)", handWritten(1, "NVIDIA A100-SXM4-40GB", 40960), null],
    ["2x A100 40GB", handWritten(2, "NVIDIA A100-SXM4-40GB", 40960), null],
    ["T4", handWritten(1, "Tesla T4", 15360), "gpu-t4"],
    ["L40S", handWritten(1, "NVIDIA L40S", 46068), "gpu-l40s"],
    ["2x L40S", handWritten(2, "NVIDIA L40S", 46068), "gpu-l40s-2x"],
    ["an unknown GPU", handWritten(1, "NVIDIA GeForce RTX 4090", 24564), null],
  ])("%s", (_label, csv, sku) => {
    expect(skuForGpus(parseNvidiaSmi(csv))).toBe(sku);
  });

  it("is null for mixed models", () => {
    const gpus: GpuInfo[] = parseNvidiaSmi(
      ["0, NVIDIA H100 80GB HBM3, GPU-a, 81559", "1, NVIDIA A100-SXM4-80GB, GPU-b, 81920"].join("\n"),
    );
    expect(gpus).toHaveLength(2);
    expect(skuForGpus(gpus)).toBeNull();
  });

  it("is null for no GPUs", () => {
    expect(skuForGpus([])).toBeNull();
  });
});
