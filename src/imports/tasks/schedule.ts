import { parseIsoDateTime } from "../../events/contract/rules";
import type { Schedule } from "./task-schema";

const PERIOD_MS: Record<Exclude<Schedule["frequency"], "once">, number> = {
  hourly: 3_600_000,
  daily: 86_400_000,
  weekly: 7 * 86_400_000,
};

export function periodMs(frequency: Schedule["frequency"]): number | null {
  return frequency === "once" ? null : PERIOD_MS[frequency];
}

/** The latest slot anchor + k·period at or before `nowMs` (the anchor itself when k = 0). */
export function latestSlot(anchorMs: number, period: number, nowMs: number): number {
  if (nowMs <= anchorMs) return anchorMs;
  return anchorMs + Math.floor((nowMs - anchorMs) / period) * period;
}

/** The first slot strictly after `afterMs`. */
export function slotAfter(anchorMs: number, period: number, afterMs: number): number {
  if (afterMs < anchorMs) return anchorMs;
  return anchorMs + (Math.floor((afterMs - anchorMs) / period) + 1) * period;
}

export interface ScheduleState {
  schedule: Schedule;
  anchorAt: string | null;
  lastSlotAt: string | null;
  onceDone: boolean;
}

/**
 * When a launched task runs next (API.md §4.3): a one-time task at its anchor until it has run;
 * a recurring one at the first slot after the last scheduled run; null past end_at.
 */
export function nextRunAt(s: ScheduleState): string | null {
  if (!s.anchorAt) return null;
  const anchor = Date.parse(s.anchorAt);
  const period = periodMs(s.schedule.frequency);
  let next: number;
  if (period === null) {
    if (s.onceDone || s.lastSlotAt) return null;
    next = anchor;
  } else {
    next = s.lastSlotAt ? slotAfter(anchor, period, Date.parse(s.lastSlotAt)) : anchor;
  }
  const end = s.schedule.end_at ? parseIsoDateTime(s.schedule.end_at) : null;
  if (end !== null && next >= end) return null;
  return new Date(next).toISOString();
}

/** The slot a tick at `nowMs` runs: missed periods collapse into the latest one. */
export function dueSlot(s: ScheduleState, nowMs: number): number {
  const anchor = Date.parse(s.anchorAt!);
  const period = periodMs(s.schedule.frequency);
  return period === null ? anchor : latestSlot(anchor, period, nowMs);
}
