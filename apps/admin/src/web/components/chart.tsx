/** Hand-rolled SVG charts: stacked bars over time, and lines over time. */
const COLORS = ["#4f7cff", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#ec4899", "#14b8a6", "#64748b"];
const W = 640;
const H = 200;
const PAD = { l: 56, r: 8, t: 8, b: 24 };

export interface Series {
  key: string;
  values: number[];
}

const timeLabel = (ms: number, spanMs: number) => {
  const d = new Date(ms);
  return spanMs > 2 * 86_400_000 ? `${d.getMonth() + 1}/${d.getDate()}` : d.toTimeString().slice(0, 5);
};

function Legend({ series }: { series: Series[] }) {
  return (
    <div className="legend">
      {series.map((s, i) => (
        <span key={s.key}>
          <i style={{ background: COLORS[i % COLORS.length] }} />
          {s.key}
        </span>
      ))}
    </div>
  );
}

function Axes({ max, starts, format }: { max: number; starts: number[]; format: (v: number) => string }) {
  const span = (starts.at(-1) ?? 0) - (starts[0] ?? 0);
  const ticks = [0, 0.5, 1];
  const labelEvery = Math.max(1, Math.ceil(starts.length / 6));
  const x = (i: number) => PAD.l + ((W - PAD.l - PAD.r) * i) / Math.max(1, starts.length);
  return (
    <g className="axes">
      {ticks.map((t) => {
        const y = PAD.t + (H - PAD.t - PAD.b) * (1 - t);
        return (
          <g key={t}>
            <line x1={PAD.l} x2={W - PAD.r} y1={y} y2={y} />
            <text x={PAD.l - 4} y={y + 4} textAnchor="end">
              {format(max * t)}
            </text>
          </g>
        );
      })}
      {starts.map((s, i) =>
        i % labelEvery === 0 ? (
          <text key={s} x={x(i)} y={H - 6}>
            {timeLabel(s, span)}
          </text>
        ) : null,
      )}
    </g>
  );
}

/** Stacked bars: one bar per time bucket, one colour per series. */
export function StackedBars(props: {
  starts: number[];
  series: Series[];
  format: (v: number) => string;
  label: string;
}) {
  const { starts, series, format, label } = props;
  const totals = starts.map((_, i) => series.reduce((n, s) => n + (s.values[i] ?? 0), 0));
  const max = Math.max(...totals, 0) || 1;
  const bw = (W - PAD.l - PAD.r) / Math.max(1, starts.length);
  const h = (v: number) => ((H - PAD.t - PAD.b) * v) / max;
  return (
    <figure className="chart" aria-label={label}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img">
        <title>{label}</title>
        <Axes max={max} starts={starts} format={format} />
        {starts.map((s, i) => {
          let y = H - PAD.b;
          return (
            <g key={s}>
              {series.map((ser, k) => {
                const hh = h(ser.values[i] ?? 0);
                y -= hh;
                return hh > 0 ? (
                  <rect
                    key={ser.key}
                    x={PAD.l + i * bw + 1}
                    y={y}
                    width={Math.max(1, bw - 2)}
                    height={hh}
                    fill={COLORS[k % COLORS.length]}
                  >
                    <title>{`${ser.key}: ${format(ser.values[i] ?? 0)}`}</title>
                  </rect>
                ) : null;
              })}
            </g>
          );
        })}
      </svg>
      <Legend series={series} />
    </figure>
  );
}

/** Lines over time (e.g. queue depth per SKU). */
export function Lines(props: { starts: number[]; series: Series[]; format: (v: number) => string; label: string }) {
  const { starts, series, format, label } = props;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const n = Math.max(1, starts.length - 1);
  const x = (i: number) => PAD.l + ((W - PAD.l - PAD.r) * i) / n;
  const y = (v: number) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / max);
  return (
    <figure className="chart" aria-label={label}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img">
        <title>{label}</title>
        <Axes max={max} starts={starts} format={format} />
        {series.map((s, k) => (
          <polyline
            key={s.key}
            fill="none"
            strokeWidth={2}
            stroke={COLORS[k % COLORS.length]}
            points={s.values.map((v, i) => `${x(i)},${y(v)}`).join(" ")}
          />
        ))}
      </svg>
      <Legend series={series} />
    </figure>
  );
}

/** Queue samples (`{ at, depth: { sku: n } }`) as one series per SKU. */
export function queueSeries(samples: { at: string; depth: Record<string, number> }[]): {
  starts: number[];
  series: Series[];
} {
  const skus = [...new Set(samples.flatMap((s) => Object.keys(s.depth)))].sort();
  return {
    starts: samples.map((s) => Date.parse(s.at)),
    series: (skus.length > 0 ? skus : ["queued"]).map((key) => ({
      key,
      values: samples.map((s) => s.depth[key] ?? 0),
    })),
  };
}
