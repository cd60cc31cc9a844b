import { beforeAll, describe, expect, it } from "vitest";
import { type Account, call, createAccount } from "../support/client";
import { eventsOf as importedEvents, importFile } from "../support/imports";

let acct: Account;
beforeAll(async () => {
  acct = await createAccount("imports");
});

const eventsOf = (customerId: string) => importedEvents(acct, customerId);

describe("an upload import, end to end", () => {
  it("stores good rows, reports bad ones, ends processed and completes the one-time task", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const csv = [
      "event,customer_id,email,timestamp,amount,Plan",
      `purchase,${tag}-1,a@example.com,2025-01-02T03:04:05Z,9.5,gold`,
      `bad.name,${tag}-2,,,,`,
      `,${tag}-3,,,,silver`,
      `purchase,,not-an-email,,,`,
      `purchase,${tag}-5,,2025-13-01T00:00:00Z,,`,
    ].join("\n");
    const { taskId, run } = await importFile(acct, csv, { mapping: { amount: { field: "amount", type: "decimal" } } });
    expect(run.fetch.status, JSON.stringify(run)).toBe("fetched");
    expect(run.processing.status, JSON.stringify(run)).toBe("processed");
    expect(run.rows).toEqual({ total: 5, processed: 2, errored: 3 });
    expect(run.files).toEqual([{ name: "data.csv", bytes: csv.length, rows: 5 }]);

    const [first] = await eventsOf(`${tag}-1`);
    expect(first).toMatchObject({
      event: "purchase",
      email: "a@example.com",
      timestamp: "2025-01-02T03:04:05.000Z",
      attributes: { amount: 9.5, plan: "gold" },
      source: "import",
      import_id: taskId,
      run_id: run.id,
    });
    const [third] = await eventsOf(`${tag}-3`);
    expect(third.event).toBe("imported"); // default_event

    const report = await call(`/api/v1/imports/${taskId}/runs/${run.id}/errors.csv`, { key: acct.user_api_key });
    expect(report.status).toBe(200);
    expect(report.headers.get("content-type")).toMatch(/text\/csv/);
    const lines = report.text.trim().split("\r\n");
    expect(lines[0]).toBe("event,customer_id,email,timestamp,amount,Plan,line,error");
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(new RegExp(`^bad.name,${tag}-2,,,,,3,`));
    expect(lines[1]).toMatch(/must not contain '\.'/);
    expect(lines[2]).toMatch(/,5,/);
    expect(lines[3]).toMatch(/,6,"?timestamp/);

    const task = await call(`/api/v1/imports/${taskId}`, { key: acct.user_api_key });
    expect(task.json.status).toBe("completed");
    expect(task.json.last_fetch).toMatchObject({ status: "fetched", error: null });
  });
});
