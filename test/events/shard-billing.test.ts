import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eventRow } from "../../src/events/contract/rows";
import { INSERT, SCHEMA } from "../../src/events/shards/shard-sql";

/** The shard's indexes on events, read from its schema (the figure docs/scale.md bills by). */
const INDEXES = SCHEMA.filter((s) => /^CREATE (UNIQUE )?INDEX .* ON events /.test(s)).length;

function rows(count: number): string {
  const receivedAt = new Date().toISOString();
  return `[${Array.from({ length: count }, (_, i) =>
    eventRow(
      {
        event_uuid: crypto.randomUUID(),
        event: "purchase",
        customer_id: `c-${i}`,
        email: `u${i}@example.com`,
        device_id: null,
        cookie: null,
        product_ids: ["sku-1"],
        timestamp: "2025-06-01T12:00:00.000Z",
        ts_ms: Date.parse("2025-06-01T12:00:00Z") + i,
        attributes: { amount: i },
      },
      receivedAt,
    ),
  ).join(",")}]`;
}

describe("what a stored event is billed", () => {
  it("writes one table row and one row per index for each new event, and nothing for a re-sent one", async () => {
    const stub = env.EVENT_SHARDS.getByName(`billing/${crypto.randomUUID()}`);
    await runInDurableObject(stub, (_instance, state) => {
      const batch = rows(10);
      const first = state.storage.sql.exec(INSERT, batch, "api", null, null);
      first.toArray();
      expect(INDEXES).toBe(5);
      expect(first.rowsWritten).toBe(10 * (1 + INDEXES));
      const again = state.storage.sql.exec(INSERT, batch, "api", null, null);
      again.toArray();
      expect(again.rowsWritten).toBe(0);
    });
  });
});
