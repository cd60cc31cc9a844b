/**
 * Deliberate faults for the soak suite (`npm run soak`), and nothing else.
 *
 * Builds import `eei-faults`, which wrangler.toml aliases to off.ts (no-ops): this module is never
 * bundled into a deployed Worker, so no variable, header or request can turn a fault on there. The
 * soak runner alone swaps it in (it runs a copy of wrangler.toml whose alias points here); then
 * `EEI_FAULTS` ("name=rate,name=rate") sets how often each point fires.
 */
import { log } from "../../lib/log";
import type { FaultPoint as Point } from "./off";

/**
 * Where faults can fire:
 * - events_batch: the events consumer stores half its batch, then throws (the batch is redelivered);
 * - chunk_after_commit: a chunk job dies after its D1 batch committed, before queueing the next chunk;
 * - tick_after_run_created: a scheduler tick creates a run and dies before handing it on.
 */
export type FaultPoint = Point;

export class InjectedFault extends Error {
  constructor(point: FaultPoint) {
    super(`injected fault at ${point}`);
    this.name = "InjectedFault";
  }
}

let parsed: { source: string; rates: Map<string, number> } | null = null;

function rate(env: Env, point: FaultPoint): number {
  const source = (env as { EEI_FAULTS?: string }).EEI_FAULTS ?? "";
  if (parsed?.source !== source) {
    const rates = new Map<string, number>();
    for (const part of source.split(",")) {
      const [name, value] = part.split("=");
      if (name && value && Number.isFinite(Number(value))) rates.set(name.trim(), Number(value));
    }
    parsed = { source, rates };
  }
  return parsed.rates.get(point) ?? 0;
}

/** Whether `point` fires this time (for faults that do part of their work before throwing). */
export function faultFires(env: Env, point: FaultPoint): boolean {
  if (Math.random() >= rate(env, point)) return false;
  log("warn", "injected fault", { point }); // the soak runner counts these lines
  return true;
}

/** Throws an InjectedFault at `point` with its configured probability. */
export function faultAt(env: Env, point: FaultPoint): void {
  if (faultFires(env, point)) throw new InjectedFault(point);
}
