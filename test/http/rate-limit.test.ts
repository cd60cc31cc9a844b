import { describe, expect, it } from "vitest";
import { call, createAccount } from "../support/client";
import { countStored, drainEvents } from "../support/shards";

// vitest.config.mts sets the ingest limit to 300 requests a minute per account for the tests.
describe("per-account ingest rate limit", () => {
  it("answers 429 with Retry-After past the limit, for that account only", async () => {
    const busy = await createAccount("busy");
    const calm = await createAccount("calm");
    const send = (key: string, path = "/api/v1/event") =>
      call(path, {
        method: "POST",
        key,
        json: path.endsWith("bulkevents") ? { events: [{ event: "tick", customer_id: "c" }] } : { event: "tick", customer_id: "c" },
      });
    let accepted = 0;
    for (let round = 0; round < 6; round++) {
      const results = await Promise.all(Array.from({ length: 50 }, () => send(busy.event_api_key)));
      accepted += results.filter((r) => r.status === 200).length;
    }
    expect(accepted).toBe(300);
    for (const path of ["/api/v1/event", "/api/v1/bulkevents"]) {
      const over = await send(busy.event_api_key, path);
      expect(over.status, over.text).toBe(429);
      expect(over.headers.get("content-type")).toBe("application/problem+json");
      expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(over.json.detail).toMatch(/limit/);
    }
    // Refused means refused: an event sent past the limit is not stored.
    const uuid = crypto.randomUUID();
    expect((await call("/api/v1/event", { method: "POST", key: busy.event_api_key, json: { event: "late", customer_id: "c", event_uuid: uuid } })).status).toBe(
      429,
    );
    // The other account's marker goes through the same queue after it: once the marker is stored, a
    // refused event that had been queued would have been stored too.
    await drainEvents(calm);
    expect(await countStored(busy.account_id, "event_uuid = ?", uuid)).toBe(0);
  });
});
