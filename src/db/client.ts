import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

function open(d1: D1Database) {
  return drizzle(d1, { schema, casing: "snake_case" });
}

export type Database = ReturnType<typeof open>;

// drizzle() walks the whole schema to build its relational config each time it is called, a
// noticeable share of the Worker's CPU if done per request, so each binding gets one instance. The
// instance holds only the binding, which lives as long as the isolate's env.
const opened = new WeakMap<D1Database, Database>();

/** Drizzle over the D1 binding; `casing` matches drizzle.config.ts so column names agree with the migrations. */
export function database(d1: D1Database): Database {
  let db = opened.get(d1);
  if (!db) {
    db = open(d1);
    opened.set(d1, db);
  }
  return db;
}
