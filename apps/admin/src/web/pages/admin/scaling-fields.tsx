import type { ScalingKnobs } from "@gantry/contracts/scaling";
import { useState } from "react";

/** The knobs as the form edits them: text, empty = the default (the model's, then the platform's). */
export interface ScalingDraft {
  buffer: string;
  target_concurrency: string;
  scale_down_window: string;
  predictive: "" | "on" | "off";
  /** Windows as `HH:MM-HH:MM=N`, comma-separated (UTC). */
  prewarm: string;
}

export function draftOf(k: ScalingKnobs | null | undefined): ScalingDraft {
  return {
    buffer: k?.buffer === undefined ? "" : String(k.buffer),
    target_concurrency: k?.target_concurrency === undefined ? "" : String(k.target_concurrency),
    scale_down_window: k?.scale_down_window === undefined ? "" : String(k.scale_down_window),
    predictive: k?.predictive === undefined ? "" : k.predictive ? "on" : "off",
    prewarm: (k?.prewarm ?? []).map((w) => `${w.start}-${w.end}=${w.instances}`).join(", "),
  };
}

/** The knobs a draft sets (the server validates bounds; a malformed window is sent as typed and refused). */
export function knobsOf(d: ScalingDraft): ScalingKnobs {
  const num = (s: string) => (s.trim() === "" ? undefined : Number(s));
  const windows = d.prewarm
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => {
      const [span = "", n = ""] = s.split("=");
      const [start = "", end = ""] = span.split("-");
      return { start, end, instances: Number(n) };
    });
  const out: Record<string, unknown> = {
    buffer: num(d.buffer),
    target_concurrency: num(d.target_concurrency),
    scale_down_window: num(d.scale_down_window),
    predictive: d.predictive === "" ? undefined : d.predictive === "on",
    prewarm: windows.length > 0 ? windows : undefined,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as ScalingKnobs;
}

export function useScalingDraft(k: ScalingKnobs | null | undefined) {
  return useState<ScalingDraft>(draftOf(k));
}

/** The scaling knobs' inputs (Gantry extensions; docs/capacity.md): empty fields use the defaults. */
export function ScalingFields({ value, onChange }: { value: ScalingDraft; onChange: (d: ScalingDraft) => void }) {
  const set = (k: keyof ScalingDraft) => (e: { target: { value: string } }) =>
    onChange({ ...value, [k]: e.target.value });
  return (
    <>
      <label>
        buffer{" "}
        <input
          name="buffer"
          type="number"
          min={0}
          max={10}
          placeholder="0"
          value={value.buffer}
          onChange={set("buffer")}
        />
      </label>
      <label>
        target concurrency{" "}
        <input
          name="target_concurrency"
          type="number"
          min={1}
          max={64}
          placeholder="model's"
          value={value.target_concurrency}
          onChange={set("target_concurrency")}
        />
      </label>
      <label>
        scale-down window (s){" "}
        <input
          name="scale_down_window"
          type="number"
          min={0}
          max={3600}
          placeholder="120"
          value={value.scale_down_window}
          onChange={set("scale_down_window")}
        />
      </label>
      <label>
        predictive{" "}
        <select name="predictive" value={value.predictive} onChange={set("predictive")}>
          <option value="">default</option>
          <option value="on">on</option>
          <option value="off">off</option>
        </select>
      </label>
      <label>
        pre-warm (UTC){" "}
        <input name="prewarm" placeholder="09:00-17:00=2" value={value.prewarm} onChange={set("prewarm")} />
      </label>
    </>
  );
}
