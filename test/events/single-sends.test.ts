import { describe, expect, it } from "vitest";
import { decodeEventsMessage } from "../../src/events/ingest/queue-message";
import { sendSingleEvent } from "../../src/events/ingest/single-sends";
import { waitFor } from "../support/wait";

// The group commit's bookkeeping, driven by hand: the queue binding below records each send and
// answers only when the test says. (Shared sends across real concurrent requests are tested
// against wrangler dev in test/service/, where requests resume in their own context.)
function heldQueue() {
  const sends: { bodies: string[]; ok: () => void; fail: (e: Error) => void }[] = [];
  const hold = (bodies: string[]) => {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    sends.push({ bodies, ok: () => resolve(), fail: reject });
    return promise;
  };
  const queue = {
    send: (body: string) => hold([body]),
    sendBatch: (messages: { body: string }[]) => hold(messages.map((m) => m.body)),
  } as unknown as Queue;
  return { queue, sends };
}

/** account → rows carried by one send's messages */
function rowsByAccount(bodies: string[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const body of bodies) {
    const decoded = decodeEventsMessage(body);
    if (!decoded.ok) throw new Error(decoded.reason);
    const rows = out[decoded.value.header.account_id] ?? [];
    out[decoded.value.header.account_id] = rows;
    rows.push(...(JSON.parse(decoded.value.rows) as unknown[]));
  }
  return out;
}

/**
 * The promise's state once every callback already queued has run: a timer of 0 ms fires only after
 * the microtask queue is empty, and nothing in a held send waits on a timer (a waiter's own timeout
 * is seconds away), so a call still pending here is one nothing has answered.
 */
const settled = async (p: Promise<unknown>) => {
  let state = "pending";
  p.then(
    () => (state = "ok"),
    () => (state = "failed"),
  );
  await new Promise((r) => setTimeout(r, 0));
  return state;
};

const sendsMade = (sends: unknown[], n: number) => waitFor(() => sends.length >= n, { what: `send ${n} to be made`, timeoutMs: 2_000, intervalMs: 1 });

describe("shared sends for single events", () => {
  it("sends a lone call at once, and the calls that arrive meanwhile together in the next send, one message per account", async () => {
    const { queue, sends } = heldQueue();
    const first = sendSingleEvent(queue, "acct-a", '["e1"]');
    expect(sends).toHaveLength(1);
    const waiting = [sendSingleEvent(queue, "acct-a", '["e2"]'), sendSingleEvent(queue, "acct-b", '["e3"]'), sendSingleEvent(queue, "acct-a", '["e4"]')];
    expect(sends).toHaveLength(1);
    expect(rowsByAccount(sends[0]!.bodies)).toEqual({ "acct-a": [["e1"]] });

    sends[0]!.ok();
    await first;
    await sendsMade(sends, 2);
    expect(sends).toHaveLength(2);
    expect(sends[1]!.bodies).toHaveLength(2);
    expect(rowsByAccount(sends[1]!.bodies)).toEqual({ "acct-a": [["e2"], ["e4"]], "acct-b": [["e3"]] });
    for (const w of waiting) expect(await settled(w)).toBe("pending"); // not answered before their send returns

    sends[1]!.ok();
    await Promise.all(waiting);
    expect(sends).toHaveLength(2);
  });

  it("fails every call of a failed send, and the calls after it still get sent", async () => {
    const { queue, sends } = heldQueue();
    const first = sendSingleEvent(queue, "acct-a", '["e1"]');
    const second = sendSingleEvent(queue, "acct-a", '["e2"]');
    const third = sendSingleEvent(queue, "acct-a", '["e3"]');
    sends[0]!.ok();
    await first;
    await sendsMade(sends, 2); // the second and third calls' send is under way, so the fourth waits for the next
    const fourth = sendSingleEvent(queue, "acct-a", '["e4"]');
    sends[1]!.fail(new Error("queue unavailable"));
    await expect(second).rejects.toThrow("queue unavailable");
    await expect(third).rejects.toThrow("queue unavailable");
    await sendsMade(sends, 3);
    expect(sends).toHaveLength(3);
    expect(rowsByAccount(sends[2]!.bodies)).toEqual({ "acct-a": [["e4"]] });
    sends[2]!.ok();
    await fourth;
  });

  it("sends at once again once the line is idle", async () => {
    const { queue, sends } = heldQueue();
    const first = sendSingleEvent(queue, "acct-a", '["e1"]');
    sends[0]!.ok();
    await first;
    const later = sendSingleEvent(queue, "acct-a", '["e2"]');
    expect(sends).toHaveLength(2);
    sends[1]!.ok();
    await later;
  });
});
