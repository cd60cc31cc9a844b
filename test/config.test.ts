/// <reference types="vite/client" />
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import devVarsExample from "../.dev.vars.example?raw";
import { type Config, ConfigError, config, SETTING_NAMES } from "../src/config";
import wranglerToml from "../wrangler.toml?raw";

const settingsOf = (vars: Record<string, unknown>) => config(vars as unknown as Env);
const KEY_32 = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i)));
const KEY_16 = btoa(String.fromCharCode(...Array.from({ length: 16 }, (_, i) => i)));

/** The error reading `key` throws, so a test can look at it (and fail if nothing is thrown). */
function errorReading(vars: Record<string, unknown>, key: keyof Config): ConfigError {
  const settings = settingsOf(vars);
  try {
    void settings[key];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`reading ${key} did not throw`);
}

// Parsing logs each bad or missing setting (console.error); the tests that care read the spy.
let logged: MockInstance<Console["error"]>;
beforeEach(() => {
  logged = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

const table: { key: keyof Config; name: string; fallback?: unknown; good: [unknown, unknown][]; bad: unknown[]; secret?: boolean }[] = [
  {
    key: "importChunkRows",
    name: "IMPORT_CHUNK_ROWS",
    fallback: 10_000,
    good: [
      ["4", 4],
      ["100000", 100_000],
      [250, 250],
    ],
    bad: ["abc", "0", "100001", "1.5", ""],
  },
  {
    key: "s3ListPageSize",
    name: "S3_LIST_PAGE_SIZE",
    fallback: 1000,
    good: [
      ["2", 2],
      ["1000", 1000],
    ],
    bad: ["0", "1001", "many"],
  },
  {
    key: "stuckAfterSeconds",
    name: "STUCK_AFTER_SECONDS",
    fallback: 600,
    good: [
      ["15", 15],
      ["1", 1],
    ],
    bad: ["0", "-5", "2.5", "soon"],
  },
  {
    key: "sourceTimeoutSeconds",
    name: "SOURCE_TIMEOUT_SECONDS",
    fallback: 30,
    good: [
      ["2", 2],
      ["0.5", 0.5],
      ["600", 600],
    ],
    bad: ["0", "601", "x"],
  },
  {
    key: "shareSingleEventSends",
    name: "SHARE_SINGLE_EVENT_SENDS",
    fallback: true,
    good: [
      ["true", true],
      ["false", false],
      [false, false],
    ],
    bad: ["yes", "FALSE", "0", ""],
  },
  { key: "adminToken", name: "ADMIN_TOKEN", good: [["0123456789abcdef", "0123456789abcdef"]], bad: ["short-token", ""], secret: true },
  {
    key: "secretsKey",
    name: "SECRETS_KEY",
    good: [[KEY_32, Uint8Array.from(atob(KEY_32), (c) => c.charCodeAt(0))]],
    bad: [KEY_16, "not base64 at all!", ""],
    secret: true,
  },
];

describe.each(table)("$name", ({ key, name, fallback, good, bad, secret }) => {
  if (fallback !== undefined) {
    it(`is ${String(fallback)} when not set`, () => {
      expect(settingsOf({})[key]).toEqual(fallback);
    });
  } else {
    it("must be set: reading it unset throws an error naming it", () => {
      expect(errorReading({}, key).message).toMatch(new RegExp(`^${name} is not set; it must be `));
    });
  }

  it.each(good)("reads %j as %j", (raw, value) => {
    expect(settingsOf({ [name]: raw })[key]).toEqual(value);
  });

  it.each(bad)("refuses %j with an error naming the setting and what it must be", (raw) => {
    const err = errorReading({ [name]: raw }, key);
    expect(err.setting).toBe(name);
    expect(err.message).toContain(`${name} must be ${err.must}`);
    if (secret && raw !== "") expect(err.message).not.toContain(String(raw));
    if (!secret) expect(err.message).toContain(JSON.stringify(raw));
  });
});

describe("config(env)", () => {
  it("keeps a bad setting to itself: the others still read", () => {
    const settings = settingsOf({ IMPORT_CHUNK_ROWS: "lots", ADMIN_TOKEN: "0123456789abcdef" });
    expect(() => settings.importChunkRows).toThrow(/IMPORT_CHUNK_ROWS/);
    expect(settings.adminToken).toBe("0123456789abcdef");
    expect(settings.s3ListPageSize).toBe(1000);
  });

  it("parses an env once, and logs each bad setting once without its value", () => {
    const env = { STUCK_AFTER_SECONDS: "never", ADMIN_TOKEN: "0123456789abcdef", SECRETS_KEY: "sekrit-but-short" };
    const first = settingsOf(env);
    expect(settingsOf(env)).toBe(first);
    expect(() => first.stuckAfterSeconds).toThrow(/STUCK_AFTER_SECONDS/);
    expect(() => settingsOf(env).secretsKey).toThrow(/SECRETS_KEY/);
    const lines = logged.mock.calls.map(([line]) => JSON.parse(String(line)));
    expect(lines.map((l) => l.setting).sort()).toEqual(["SECRETS_KEY", "STUCK_AFTER_SECONDS"]);
    expect(JSON.stringify(lines)).not.toContain("sekrit-but-short");
  });

  it("reads every var of wrangler.toml and every secret of .dev.vars.example", () => {
    const vars = /^\[vars\]\n([\s\S]*?)^\[/m.exec(wranglerToml)?.[1] ?? "";
    const declared = [...vars.matchAll(/^([A-Z][A-Z0-9_]*)\s*=/gm), ...devVarsExample.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect(declared.length).toBeGreaterThanOrEqual(7); // an empty list (a failed match) proves nothing
    expect([...SETTING_NAMES].sort()).toEqual([...new Set(declared)].sort());
  });
});
