import type { TraceSpec } from "./generate.ts";

/** A trace shipped with the simulator: generated at run time from its spec, and the fleet it is run on. */
export interface ShippedTrace {
  name: string;
  summary: string;
  spec: TraceSpec;
  agents: number;
  slots: number;
}

export const SHIPPED_TRACES: readonly ShippedTrace[] = [
  {
    name: "diurnal-day",
    summary: "a day of a public hub: 80 models (Zipf 1.1), ±60% daily swing around 6/s, predicts of 5 s–2 min (median)",
    spec: {
      seed: 18,
      hours: 24,
      ratePerS: 6,
      models: 80,
      zipf: 1.1,
      arrivals: "diurnal",
      amplitude: 0.6,
      predictMedianMs: [5000, 120_000],
    },
    agents: 500,
    slots: 2,
  },
  {
    name: "bursty-day",
    summary: "a day of steady traffic plus batch bursts: 30% of 6/s in a burst a minute (~110 in 60 s at one model)",
    spec: {
      seed: 1818,
      hours: 24,
      ratePerS: 6,
      models: 80,
      zipf: 1.1,
      arrivals: "bursty",
      burstShare: 0.3,
      burstsPerHour: 60,
      burstSpanMs: 60_000,
      predictMedianMs: [5000, 120_000],
    },
    agents: 500,
    slots: 2,
  },
];
