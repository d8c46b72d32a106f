// The timeline of a run's tasks: each task a bar from its first start to
// its end (now, while it runs), on one scale from the earliest start to
// the latest end, as percentages so the chart fits any width.

import type { TaskState } from "./states";

export interface GanttInput { id: string; state: TaskState; startedAt: number | undefined; finishedAt: number | undefined }
export interface GanttBar { id: string; state: TaskState; start: number; end: number; leftPct: number; widthPct: number }
export interface GanttTick { at: number; pct: number; label: string }
export interface Gantt { t0: number; t1: number; bars: GanttBar[]; ticks: GanttTick[] }

/** Bars of the tasks that started, ordered by start then id; `now` ends running ones. */
export function gantt(tasks: readonly GanttInput[], now: number, tickCount = 5): Gantt {
  const started = tasks.filter((t): t is GanttInput & { startedAt: number } => t.startedAt !== undefined);
  if (started.length === 0) return { t0: now, t1: now, bars: [], ticks: [] };
  const spans = started.map((t) => ({ t, start: t.startedAt, end: Math.max(t.startedAt, t.finishedAt ?? now) }));
  const t0 = Math.min(...spans.map((s) => s.start));
  const t1 = Math.max(t0 + 1, ...spans.map((s) => s.end));
  const span = t1 - t0;
  const bars = spans
    .sort((a, b) => a.start - b.start || (a.t.id < b.t.id ? -1 : 1))
    .map(({ t, start, end }) => ({
      id: t.id, state: t.state, start, end,
      leftPct: ((start - t0) / span) * 100,
      // At least a sliver, so an instant task still shows.
      widthPct: Math.max(0.5, ((end - start) / span) * 100),
    }));
  return { t0, t1, bars, ticks: ticks(span, tickCount) };
}

/** Round steps (1, 2, 5 × 10^n ms) for about `count` ticks over `span` ms. */
export function tickStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const pow = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

function ticks(span: number, count: number): GanttTick[] {
  const step = tickStep(span, count);
  const out: GanttTick[] = [];
  for (let at = 0; at <= span; at += step) out.push({ at, pct: (at / span) * 100, label: formatOffset(at) });
  return out;
}

/** "+0", "+250ms", "+1.5s", "+2m05s". */
export function formatOffset(ms: number): string {
  if (ms === 0) return "+0";
  if (ms < 1000) return `+${Math.round(ms)}ms`;
  if (ms < 60_000) return `+${Number((ms / 1000).toFixed(1))}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `+${m}m${String(s).padStart(2, "0")}s`;
}
