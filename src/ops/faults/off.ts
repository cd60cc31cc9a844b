/**
 * Fault points, disarmed: what every build uses (wrangler.toml aliases `eei-faults` here), so a
 * deployed Worker holds no fault code at all. The soak suite alone arms them, running a copy of
 * wrangler.toml whose alias points at armed.ts; see armed.ts for what each point does.
 */
export type FaultPoint = "events_batch" | "chunk_after_commit" | "tick_after_run_created";

export class InjectedFault extends Error {}

export function faultAt(_env: Env, _point: FaultPoint): void {}

export function faultFires(_env: Env, _point: FaultPoint): boolean {
  return false;
}
