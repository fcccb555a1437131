import { describe, expect, it } from "vitest";
import { findHardware, HARDWARE_CATALOG, HardwareSpec, NANO_DOLLARS_PER_DOLLAR } from "./hardware.ts";

describe("HARDWARE_CATALOG", () => {
  it("prices every SKU as an integer of nano-dollars per second", () => {
    for (const h of HARDWARE_CATALOG) expect(Number.isInteger(h.price_per_second), h.sku).toBe(true);
  });

  it("has unique SKUs, each a valid HardwareSpec", () => {
    const skus = HARDWARE_CATALOG.map((h) => h.sku);
    expect(new Set(skus).size).toBe(skus.length);
    for (const h of HARDWARE_CATALOG) expect(HardwareSpec.parse(h)).toEqual(h);
  });

  it("prices cpu at $0.0001/s = 100000 n$/s and cpu-small at $0.000025/s (reference §10)", () => {
    expect(NANO_DOLLARS_PER_DOLLAR).toBe(1_000_000_000);
    expect(findHardware("cpu")?.price_per_second).toBe(100_000);
    expect(findHardware("cpu")?.price_per_second).toBe(0.0001 * NANO_DOLLARS_PER_DOLLAR);
    expect(findHardware("cpu-small")?.price_per_second).toBe(25_000);
    expect(findHardware("gpu-h100")?.price_per_second).toBe(1_525_000);
  });

  it("prices an Nx SKU at N times its single-GPU SKU", () => {
    for (const h of HARDWARE_CATALOG.filter((x) => x.gpu_count > 1)) {
      const single = HARDWARE_CATALOG.find((x) => x.gpu_model === h.gpu_model && x.gpu_count === 1);
      expect(single, h.sku).toBeDefined();
      expect(h.price_per_second, h.sku).toBe(single!.price_per_second * h.gpu_count);
    }
  });

  it("gives CPU SKUs no GPU and GPU SKUs a model", () => {
    for (const h of HARDWARE_CATALOG) {
      expect(h.gpu_count === 0, h.sku).toBe(h.gpu_model === null);
      expect(h.sku.startsWith("gpu-"), h.sku).toBe(h.gpu_count > 0);
    }
  });
});

describe("findHardware", () => {
  it("finds a SKU and nothing for an unknown one", () => {
    expect(findHardware("gpu-t4")?.name).toBe("Nvidia T4 GPU");
    expect(findHardware("gpu-a40-small")).toBeUndefined();
  });
});
