import type { SQLWrapper } from "drizzle-orm";

/**
 * A drizzle query as a raw D1 statement, so drizzle-built and hand-written SQL can share one
 * `d1.batch()` (one transaction).
 */
export function statement(d1: D1Database, query: { toSQL(): { sql: string; params: unknown[] } } & SQLWrapper): D1PreparedStatement {
  const { sql, params } = query.toSQL();
  return d1.prepare(sql).bind(...params);
}
