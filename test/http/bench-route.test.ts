import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/http/app";
import { call } from "../support/client";

const body = JSON.stringify({ events: [{ event: "a" }, { event: "b" }, { event: "c" }] });
const post = { method: "POST", headers: { "content-type": "application/json" }, body };

describe("the benchmark's parse route", () => {
  it("is not served unless BENCH_PARSE_ROUTE is on", async () => {
    const res = await call("/bench/parse", post);
    expect(res.status).toBe(404);
  });

  it("reads and parses the body and says how many events it holds when on", async () => {
    const res = await createApp().request("/bench/parse", post, { ...env, BENCH_PARSE_ROUTE: "true" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", events: 3 });
    const broken = await createApp().request("/bench/parse", { ...post, body: "{not json" }, { ...env, BENCH_PARSE_ROUTE: "true" });
    expect(broken.status).toBe(400);
  });
});
