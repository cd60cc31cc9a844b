// Polling for a condition, shared by bench/, soak/, the service tests and (through
// test/support/wait.ts) the vitest tests: a test waits for what it needs, never a fixed time.

/**
 * Calls `check` every `intervalMs` until it returns (or resolves to) a truthy value, and returns that
 * value. A `check` that throws is tried again: what it waits on may not answer yet. After
 * `timeoutMs` it throws an error that names `what` and carries the last value or error seen.
 */
export async function waitFor(check, { timeoutMs = 10_000, intervalMs = 50, what = "the condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  let failure;
  for (;;) {
    try {
      last = await check();
      failure = undefined;
      if (last) return last;
    } catch (err) {
      failure = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const seen = failure ? `; the last check threw: ${failure instanceof Error ? failure.message : String(failure)}` : `; the last check gave ${describe(last)}`;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen}`, failure ? { cause: failure } : undefined);
}

function describe(value) {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 300 ? `${text.slice(0, 300)}…` : text;
  } catch {
    return String(value);
  }
}
