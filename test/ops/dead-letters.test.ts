import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { type Account, ADMIN_TOKEN, call, createAccount } from "../support/client";
import { eventsMessage } from "../support/messages";
import { countStored, drainEvents } from "../support/shards";
import { waitFor } from "../support/wait";

let acct: Account;
beforeAll(async () => {
  acct = await createAccount("dead letters");
});
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** A batch on a dead-letter queue, as the platform delivers it after max_retries. */
async function deadLetter(queue: string, messages: { id: string; body: unknown }[]) {
  const batch = createMessageBatch(
    queue,
    messages.map((m) => ({ ...m, timestamp: new Date(), attempts: 1 })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}
const parked = async () => (await call("/admin/dead-letters", { headers: admin })).json.dead_letters as any[];
const storedCount = (customerId: string) => countStored(acct.account_id, "customer_id = ?", customerId);

describe("dead letters", () => {
  it("are parked unchanged, once, even when the dead-letter batch is redelivered", async () => {
    const tag = crypto.randomUUID();
    const body = eventsMessage(acct.account_id, [{ event: "lost", customer_id: tag }]);
    const id = `dl-${tag}`;
    for (let i = 0; i < 2; i++) {
      const result = await deadLetter("eei-events-dlq", [{ id, body }]);
      expect(result.ackAll).toBe(true);
    }
    const mine = (await parked()).filter((d) => d.id === id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ queue: "eei-events", content_type: "text", body, replayed_at: null, replays: 0 });
    expect(mine[0].about).toMatchObject({ account_id: acct.account_id, source: "api" });
  });

  it("replayed, reach their queue and are stored; replaying again stores nothing twice", async () => {
    const tag = crypto.randomUUID();
    const id = `dl-${tag}`;
    await deadLetter("eei-events-dlq", [{ id, body: eventsMessage(acct.account_id, [{ event: "lost", customer_id: tag }]) }]);
    expect(await storedCount(tag)).toBe(0);
    const first = await call(`/admin/dead-letters/${id}/replay`, { method: "POST", headers: admin });
    expect(first.status, first.text).toBe(202);
    expect(first.json).toMatchObject({ id, replays: 1 });
    expect(first.json.replayed_at).not.toBeNull();
    await waitFor(async () => ((await storedCount(tag)) === 1 ? true : undefined), "the replayed event to be stored");
    const second = await call(`/admin/dead-letters/${id}/replay`, { method: "POST", headers: admin });
    expect(second.json.replays).toBe(2);
    await drainEvents(acct);
    expect(await storedCount(tag)).toBe(1);
  });

  it("keep chunk jobs as JSON, with the run they belong to", async () => {
    const runId = crypto.randomUUID();
    const id = `dl-chunk-${runId}`;
    await deadLetter("eei-chunks-dlq", [{ id, body: { kind: "chunk", run_id: runId, file_index: 0, offset: 0, line: 1, row: 0 } }]);
    const [d] = (await parked()).filter((x) => x.id === id);
    expect(d).toMatchObject({ queue: "eei-chunks", content_type: "json", about: { kind: "chunk", run_id: runId } });
    expect(JSON.parse(d.body)).toEqual({ kind: "chunk", run_id: runId, file_index: 0, offset: 0, line: 1, row: 0 });
  });

  it("page by a cursor that never splits a batch: each message of one batch comes once, newest first", async () => {
    const tag = crypto.randomUUID();
    const ids = Array.from({ length: 5 }, (_, i) => `dl-page-${tag}-${i}`);
    await deadLetter(
      "eei-events-dlq",
      ids.map((id) => ({ id, body: eventsMessage(acct.account_id, [{ event: "lost", customer_id: tag }]) })),
    );
    const seen: string[] = [];
    let before: string | null = null;
    for (let page = 0; page < 100; page++) {
      const res = await call(`/admin/dead-letters?limit=2${before ? `&before=${encodeURIComponent(before)}` : ""}`, { headers: admin });
      expect(res.status, res.text).toBe(200);
      seen.push(...(res.json.dead_letters as any[]).map((d) => d.id));
      before = res.json.next_before;
      if (before === null) break;
    }
    expect(before).toBeNull();
    // One batch shares one parked_at, so within it the list is ordered by id, descending.
    expect(seen.filter((id) => id.includes(tag))).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("refuse a before that is not a cursor the list returned, naming the parameter", async () => {
    for (const before of ["2024-01-01T00:00:00.000Z", "not base64!", btoa("[1,2]")]) {
      const res = await call(`/admin/dead-letters?before=${encodeURIComponent(before)}`, { headers: admin });
      expect(res.status, before).toBe(422);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.json.errors.map((e: { field: string }) => e.field)).toEqual(["before"]);
    }
  });

  it("are for operators only: the admin token is required, and an unknown id is 404", async () => {
    expect((await call("/admin/dead-letters", { key: acct.user_api_key })).status).toBe(401);
    expect((await call("/admin/dead-letters/x/replay", { method: "POST", key: acct.user_api_key })).status).toBe(401);
    const missing = await call("/admin/dead-letters/no-such-id/replay", { method: "POST", headers: admin });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
  });
});
