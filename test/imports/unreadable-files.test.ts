import { beforeAll, describe, expect, it } from "vitest";
import { type Account, call, createAccount } from "../support/client";
import { importFile } from "../support/imports";

let acct: Account;
beforeAll(async () => {
  acct = await createAccount("unreadable");
});

describe("a file that cannot be read at all ends its run failed, with a reason", () => {
  const cases: [string, BodyInit, Record<string, unknown>, RegExp][] = [
    ["an empty file", "", {}, /empty file|empty \(0 bytes\)/],
    ["binary data", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]), {}, /binary/],
    ["ISO-8859-1 bytes declared UTF-8", Uint8Array.from("event,customer_id,name\nview,1,Zo\xeb\n", (c) => c.charCodeAt(0)), {}, /not valid UTF-8.*encoding/],
    ["a UTF-16 file declared UTF-8", Uint8Array.from([0xff, 0xfe, 0x61, 0x00]), {}, /UTF-16.*format\.encoding/],
    ["a file declared UTF-16 without a byte order mark", "event,customer_id\nx,1\n", { format: { encoding: "utf-16" } }, /byte order mark/],
    ["only white space", "\n\n  \n", {}, /no header/],
    ["no identifier column", "event,name\nview,ann\n", {}, /No identifier column.*customer_id, email, device_id, cookie/],
  ];
  it.each(cases)("%s", async (_name, body, settings, reason) => {
    const { taskId, run } = await importFile(acct, body, settings);
    expect(run.fetch.status).toBe("fetched");
    expect(run.processing.status, JSON.stringify(run)).toBe("failed");
    expect(run.processing.error).toMatch(reason);
    const task = await call(`/api/v1/imports/${taskId}`, { key: acct.user_api_key });
    expect(task.json.status).toBe("completed");
  });
});

describe("files that are readable but odd", () => {
  it("reports a record whose quote never closes as an errored row", async () => {
    const { taskId, run } = await importFile(acct, `event,customer_id,note\nview,1,ok\nview,2,"open ${"x".repeat(50)}\nview,3,more`);
    expect(run.processing.status).toBe("processed");
    expect(run.rows).toEqual({ total: 2, processed: 1, errored: 1 });
    const report = await call(`/api/v1/imports/${taskId}/runs/${run.id}/errors.csv`, { key: acct.user_api_key });
    expect(report.text).toMatch(/,3,a quoted field is never closed/);
  });

  it("processes a header-only file with zero rows", async () => {
    const { run } = await importFile(acct, "event,customer_id\n");
    expect(run.processing.status).toBe("processed");
    expect(run.rows).toEqual({ total: 0, processed: 0, errored: 0 });
  });
});
