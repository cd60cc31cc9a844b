/**
 * Deliberate faults for the soak suite (`npm run soak`), and nothing else.
 *
 * The switch is a build-time constant: wrangler.toml defines `__EEI_FAULTS__` as `false`, so in a
 * deployed Worker every fault point is `if (true) return` and no variable, header or request can
 * turn one on. Only `wrangler dev --define __EEI_FAULTS__:true` (what the soak runner starts)
 * compiles them in; then `EEI_FAULTS` ("name=rate,name=rate") sets how often each point fires.
 */
declare const __EEI_FAULTS__: boolean;

/** Where faults can fire. */
export type FaultPoint =
  /** The events consumer throws after storing part of its batch (the whole batch is redelivered). */
  | "events_batch"
  /** A chunk job dies after its D1 batch committed and before it queued the next chunk. */
  | "chunk_after_commit"
  /** A run is created and then the invocation dies before handing it to the pipeline. */
  | "run_start";

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

/** Throws an InjectedFault at `point` with its configured probability; never in a deployed Worker. */
export function faultAt(env: Env, point: FaultPoint): void {
  if (!__EEI_FAULTS__) return;
  if (Math.random() < rate(env, point)) throw new InjectedFault(point);
}

/** Whether `point` fires this time (for faults that must do part of their work before throwing). */
export function faultFires(env: Env, point: FaultPoint): boolean {
  if (!__EEI_FAULTS__) return false;
  return Math.random() < rate(env, point);
}
