import { describe, expect, it } from "vitest";
import type { tasks } from "../../src/db/schema";
import type { RunRow } from "../../src/imports/runs/runs";
import { runState } from "../../src/imports/sources/snowflake/run-state";
import { largestCell, taskWatermark, watermarkedQuery } from "../../src/imports/sources/snowflake/watermark";
import type { StoredSnowflakeSource } from "../../src/imports/tasks/columns";

const run = (sourceState: string | null) => ({ id: "run-1", sourceState }) as RunRow;
const task = (watermark: string | null) => ({ id: "task-1", watermark }) as typeof tasks.$inferSelect;
const source = (extra: Partial<StoredSnowflakeSource> = {}) =>
  ({ type: "snowflake", account: "a", user: "u", warehouse: "w", database: "d", schema: "s", query: "select * from t", ...extra }) as StoredSnowflakeSource;

describe("a run's Snowflake fetch state", () => {
  it("is absent before the statement has run", () => {
    expect(runState(run(null))).toBeNull();
  });

  it("reads back as saved, with every rowType field Snowflake sent", () => {
    const saved = JSON.stringify({
      handle: "h-1",
      partitions: 3,
      rowType: [{ name: "UPDATED_AT", type: "timestamp_ntz", scale: 9, nullable: true, precision: 0, byteLength: null }],
      staged: 1,
      candidate: "1700000000.000000000",
    });
    expect(JSON.stringify(runState(run(saved)))).toBe(saved);
  });

  it.each([
    ["not JSON", "{handle", /^Run run-1: column source_state is not JSON$/],
    [
      "of another shape",
      JSON.stringify({ handle: 7, partitions: 1, rowType: [], staged: 0, candidate: null }),
      /^Run run-1: column source_state does not match its schema/,
    ],
  ])("is refused, naming the run and column, when it is %s", (_name, text, error) => {
    expect(() => runState(run(text))).toThrow(error);
  });
});

describe("a task's Snowflake watermark", () => {
  const column = { name: "UPDATED_AT", type: "timestamp_ntz" };

  it("is absent before a run has stored rows", () => {
    expect(taskWatermark(task(null))).toBeNull();
  });

  it("is refused, naming the task and column, when its shape is wrong", () => {
    expect(() => taskWatermark(task(JSON.stringify({ cell: 5, column })))).toThrow(/^Task task-1: column watermark does not match its schema/);
  });

  it("narrows the query to rows past it, bound as a parameter and never spliced into the SQL", () => {
    const watermark = taskWatermark(task(JSON.stringify({ cell: "1700000240.000000000", column })));
    const { statement, bindings } = watermarkedQuery(source({ incremental_column: "updated_at" }), watermark);
    expect(statement).toBe("SELECT * FROM (select * from t) AS q WHERE q.updated_at > ?");
    expect(statement).not.toContain("1700000240");
    expect(bindings).toEqual({ "1": { type: "TIMESTAMP_NTZ", value: "1700000240000000000" } });
  });

  it("leaves the query as written for a task without an incremental column, or before the first watermark", () => {
    const watermark = { cell: "1", column };
    expect(watermarkedQuery(source(), watermark)).toEqual({ statement: "select * from t" });
    expect(watermarkedQuery(source({ incremental_column: "updated_at" }), null)).toEqual({ statement: "select * from t" });
  });
});

describe("the watermark candidate of staged rows", () => {
  const rows = (...cells: (string | null)[]) => cells.map((c) => ["x", c]);

  it.each([
    ["integers, beyond a double's precision", { name: "N", type: "fixed" }, ["9007199254740992", "9007199254740993", "10"], "9007199254740993"],
    ["decimals, by value", { name: "P", type: "fixed", scale: 2 }, ["9.75", "10.50"], "10.50"],
    ["timestamps, by value", { name: "T", type: "timestamp_ntz" }, ["999999999.000000000", "1700000000.000000000"], "1700000000.000000000"],
    ["text, by text", { name: "S", type: "text" }, ["b", "ab", "a"], "b"],
  ])("orders %s", (_name, col, cells, largest) => {
    expect(largestCell(col, 1, rows(...cells), null)).toBe(largest);
  });

  it("skips null cells and keeps the larger cell an earlier partition gave", () => {
    const col = { name: "N", type: "fixed" };
    expect(largestCell(col, 1, rows(null, "5"), "7")).toBe("7");
    expect(largestCell(col, 1, rows(null), null)).toBeNull();
  });

  it("is unchanged when the result has no incremental column", () => {
    expect(largestCell(undefined, -1, rows("5"), "3")).toBe("3");
  });
});
