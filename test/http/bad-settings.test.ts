// A setting with a bad value answers a 500 problem naming the setting, never its value, on the
// routes that need it, and leaves the other routes working.
import { createExecutionContext, env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/http/app";
import { type Account, BASE, createAccount } from "../support/client";

const app = createApp();
let acct: Account;
beforeAll(async () => {
  acct = await createAccount("bad-settings");
});

async function send(bindings: Record<string, unknown>, path: string, key: string, json: unknown) {
  const headers = { authorization: `Basic ${btoa(`${key}:`)}`, "content-type": "application/json" };
  const req = new Request(`${BASE}${path}`, { method: "POST", headers, body: JSON.stringify(json) });
  const res = await app.fetch(req, { ...env, ...bindings } as unknown as Env, createExecutionContext());
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) };
}

const s3Task = {
  name: "needs SECRETS_KEY",
  source: { type: "s3", bucket: "b", region: "us-east-1", endpoint: "http://127.0.0.1:1", access_key_id: "AKIA", secret_access_key: "s3-secret" },
  schedule: { frequency: "daily" },
};

describe("a bad setting", () => {
  it("answers 500 naming SECRETS_KEY, without its value, when a task's secrets must be sealed", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const badKey = "c2hvcnQta2V5LWJ1dC1zZWNyZXQ="; // base64, but of 20 bytes
    const res = await send({ SECRETS_KEY: badKey }, "/api/v1/imports", acct.user_api_key, s3Task);
    expect(res.status, res.text).toBe(500);
    expect(res.json.detail).toBe("The server's SECRETS_KEY is not configured correctly");
    expect(res.text).not.toContain(badKey);
    const lines = logged.mock.calls.map(([line]) => String(line));
    expect(lines.some((l) => l.includes('"setting":"SECRETS_KEY"'))).toBe(true);
    expect(lines.join("\n")).not.toContain(badKey);
    logged.mockRestore();
  });

  it("answers 500 naming SHARE_SINGLE_EVENT_SENDS on POST /event, and leaves bulk ingest working", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const bindings = { SHARE_SINGLE_EVENT_SENDS: "yes" };
    const event = { event: "login", customer_id: crypto.randomUUID() };
    const single = await send(bindings, "/api/v1/event", acct.event_api_key, event);
    expect(single.status, single.text).toBe(500);
    expect(single.json.detail).toContain("SHARE_SINGLE_EVENT_SENDS");
    const bulk = await send(bindings, "/api/v1/bulkevents", acct.event_api_key, { events: [event] });
    expect(bulk.status, bulk.text).toBe(200);
    logged.mockRestore();
  });
});
