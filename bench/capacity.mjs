// Capacity (docs/scale.md, "Capacity"): bytes an event takes in a shard, the table and each index
// apart (SQLite's dbstat), for 100,000 events shaped like the API's typical ones, stored by the
// shard's own schema and insert in node:sqlite; and what that makes of a 10 GB shard.
import { eventRow, openShardFloor } from "./shard-floor.mjs";

const EVENTS = Number(process.env.BENCH_CAPACITY_EVENTS ?? 100_000);
/** A SQLite Durable Object's storage limit (Cloudflare's published limit, 10 GB). */
const SHARD_LIMIT_BYTES = 10e9;

export function benchCapacity({ splitBytes = 8 * 2 ** 30 } = {}) {
  const shard = openShardFloor();
  try {
    const receivedAt = new Date().toISOString();
    const base = Date.parse("2025-06-01T00:00:00Z");
    for (let at = 0; at < EVENTS; at += 1000) {
      const rows = [];
      for (let i = at; i < Math.min(EVENTS, at + 1000); i++) {
        rows.push(
          eventRow({
            event: ["page_view", "add_to_cart", "purchase"][i % 3],
            customerId: `cust-${i % 20_000}`,
            email: `user${i % 20_000}@example.com`,
            productIds: i % 3 === 0 ? [] : [`sku-${i % 97}`],
            tsMs: base + i * 1000,
            attributes: { page: "/products/shoes", amount: (i % 1000) / 10 },
            receivedAt,
          }),
        );
      }
      shard.store(rows);
    }
    const parts = shard.db.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat WHERE name LIKE 'events%' GROUP BY name ORDER BY bytes DESC").all();
    const total = parts.reduce((n, p) => n + p.bytes, 0);
    const perEvent = total / EVENTS;
    const indexes = parts.filter((p) => p.name !== "events").length;
    console.log(
      `capacity: ${EVENTS.toLocaleString("en-US")} events take ${(total / 1e6).toFixed(1)} MB = ${perEvent.toFixed(0)} bytes an event (${parts
        .map((p) => `${p.name} ${(p.bytes / EVENTS).toFixed(0)}`)
        .join(
          ", ",
        )}); a 10 GB shard holds ${Math.round(SHARD_LIMIT_BYTES / perEvent / 1e6)} million, the split starts at ${Math.round(splitBytes / perEvent / 1e6)} million`,
    );
    return {
      capacity_bytes_per_event: Math.round(perEvent),
      ...Object.fromEntries(parts.map((p) => [`capacity_bytes_per_event_${p.name}`, Math.round(p.bytes / EVENTS)])),
      capacity_rows_written_per_event: 1 + indexes,
      capacity_million_events_per_shard: Math.round(SHARD_LIMIT_BYTES / perEvent / 1e6),
    };
  } finally {
    shard.close();
  }
}
