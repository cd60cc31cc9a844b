import { beforeAll, describe, expect, it } from "vitest";
import { type Account, call, createAccount } from "../support/client";

let acct: Account;
beforeAll(async () => {
  acct = await createAccount("http");
});

const post = (path: string, body: string, contentType?: string) =>
  call(path, { method: "POST", key: acct.event_api_key, body, headers: contentType ? { "content-type": contentType } : {} });

describe("problem+json errors", () => {
  it("has the RFC 9457 members, a request id, and no stack", async () => {
    const res = await post("/api/v1/event", "{", "application/json");
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.json).toMatchObject({ status: 400, title: "Bad Request", errors: [] });
    expect(typeof res.json.type).toBe("string");
    expect(res.json.detail).toMatch(/not valid JSON/);
    expect(res.json.request_id).toBe(res.headers.get("x-request-id"));
    expect(res.text).not.toMatch(/at .*\.ts:\d+/);
  });

  it("answers 404 problem+json for an unknown route", async () => {
    const res = await call("/api/v1/nothing-here", { key: acct.user_api_key });
    expect(res.status).toBe(404);
    expect(res.json.status).toBe(404);
  });
});

describe("request bodies", () => {
  it.each([
    ["text/plain", "text/plain"],
    ["form encoding", "application/x-www-form-urlencoded"],
    ["xml", "application/xml"],
  ])("answers 415 for %s", async (_name, type) => {
    const res = await post("/api/v1/event", JSON.stringify({ event: "x", customer_id: "1" }), type);
    expect(res.status, res.text).toBe(415);
  });

  it("accepts application/json with a charset", async () => {
    const res = await post("/api/v1/event", JSON.stringify({ event: "x", customer_id: "1" }), "application/json; charset=utf-8");
    expect(res.status, res.text).toBe(200);
  });

  it.each([
    ["truncated JSON", '{"event": "x", '],
    ["trailing garbage", '{"event":"x","customer_id":"1"} extra'],
    ["an empty body", ""],
  ])("answers 400 for %s", async (_name, body) => {
    const res = await post("/api/v1/bulkevents", body, "application/json");
    expect(res.status, res.text).toBe(400);
  });

  it("answers 413 for an oversized body sent without Content-Length", async () => {
    const chunk = new TextEncoder().encode(`{"event":"x","customer_id":"1","pad":"${"p".repeat(40_000)}"}`);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await call("/api/v1/event", {
      method: "POST",
      key: acct.event_api_key,
      body,
      headers: { "content-type": "application/json" },
      // @ts-expect-error duplex is required by the fetch spec for stream bodies
      duplex: "half",
    });
    expect(res.status, res.text).toBe(413);
  });
});

describe("CORS", () => {
  const preflight = (path: string) =>
    call(path, {
      method: "OPTIONS",
      headers: { origin: "https://shop.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
    });

  it.each(["/api/v1/event", "/api/v1/bulkevents"])("answers preflights on %s from any origin", async (path) => {
    const res = await preflight(path);
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const allowed = res.headers.get("access-control-allow-headers")?.toLowerCase() ?? "";
    expect(allowed).toContain("authorization");
    expect(allowed).toContain("content-type");
  });

  it("lets a page read an ingest error", async () => {
    const res = await call("/api/v1/event", { method: "POST", key: acct.event_api_key, headers: { origin: "https://shop.example" }, json: { event: "x" } });
    expect(res.status).toBe(422);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  it.each(["/api/v1/events", "/admin/accounts"])("does not answer CORS on management endpoint %s", async (path) => {
    const res = await preflight(path);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const get = await call(path, { key: acct.user_api_key, headers: { origin: "https://shop.example" } });
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("OpenAPI", () => {
  it("documents every route of §1–§3 in an OpenAPI 3.1 document", async () => {
    const res = await call("/openapi.json");
    expect(res.status).toBe(200);
    expect(res.json.openapi).toBe("3.1.0");
    const ops = Object.entries(res.json.paths as Record<string, Record<string, unknown>>).flatMap(([p, m]) =>
      Object.keys(m).map((verb) => `${verb.toUpperCase()} ${p}`),
    );
    expect(ops).toEqual(
      expect.arrayContaining(["POST /admin/accounts", "POST /api/v1/event", "POST /api/v1/bulkevents", "GET /api/v1/events", "GET /api/v1/event/debug"]),
    );
    const eventSchema = res.json.components.schemas.EventInput;
    expect(eventSchema.properties.event.maxLength).toBe(64);
  });

  it("renders a reference page at /docs", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(res.text).toContain("/api/v1/bulkevents");
  });
});

// The dashboard's files are bundled into the Worker (scripts/build-dashboard.mjs), not static assets.
describe("the dashboard's files", () => {
  it("serves index.html at / with the security headers and an ETag", async () => {
    const res = await call("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.text).toContain('<script type="module" src="/js/app.js"></script>');
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("etag")).toMatch(/^"[\w-]{22}"$/);
    expect((await call("/index.html")).text).toBe(res.text);
  });

  it("serves every script the page imports, as JavaScript", async () => {
    const app = await call("/js/app.js");
    expect(app.status).toBe(200);
    expect(app.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const imports = [...app.text.matchAll(/from "\.\/([\w/.-]+)"/g)].map((m) => `/js/${m[1]}`);
    expect(imports.length).toBeGreaterThan(2);
    for (const path of imports) expect((await call(path)).status, path).toBe(200);
    expect((await call("/styles.css")).headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  it("answers 304 to a matching If-None-Match, and 404 problem+json for a file that isn't there", async () => {
    const first = await call("/styles.css");
    const again = await call("/styles.css", { headers: { "if-none-match": first.headers.get("etag")! } });
    expect(again.status).toBe(304);
    expect(again.text).toBe("");
    const missing = await call("/js/nope.js");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
  });
});
