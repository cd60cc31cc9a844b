import { createMiddleware } from "hono/factory";
import { cachedKeyOwner } from "../accounts/key-cache";
import { findKeyOwner, type KeyKind } from "../accounts/keys";
import { ConfigError, config } from "../config";
import { database } from "../db/client";
import { sha256Hex, timingSafeEqualText } from "../lib/crypto";
import { Problem } from "../lib/problem";
import type { AppEnv } from "./app-env";

/** The key from `Authorization: Basic base64(KEY:)` or `Authorization: Bearer KEY`. */
export function presentedKey(header: string | undefined): string | null {
  if (!header) return null;
  const space = header.indexOf(" ");
  if (space < 0) return null;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === "bearer") return value || null;
  if (scheme !== "basic") return null;
  let decoded: string;
  try {
    decoded = atob(value);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  return user || null;
}

const KIND_LABEL: Record<KeyKind, string> = { event: "an event API key", user: "a user API key" };

/** Admits a caller whose key is of `kind`: 401 for a missing or unknown key, 403 for the other kind. */
export function requireKey(kind: KeyKind) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header("authorization");
    const key = presentedKey(header);
    if (!key) {
      throw new Problem(401, `Send ${KIND_LABEL[kind]} as HTTP Basic user name (curl -u KEY:) or as a Bearer token`);
    }
    const owner = await cachedKeyOwner(header!, async () => findKeyOwner(database(c.env.DB), await sha256Hex(key)));
    if (!owner) throw new Problem(401, "The API key is not valid");
    if (owner.kind !== kind) throw new Problem(403, `This endpoint takes ${KIND_LABEL[kind]}, not ${KIND_LABEL[owner.kind]}`);
    c.set("owner", owner);
    await next();
  });
}

/**
 * Admits a caller presenting `Authorization: Bearer $ADMIN_TOKEN`, compared in constant time. With
 * no usable ADMIN_TOKEN the admin routes are unavailable (503), not open.
 */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const expected = adminToken(c.env);
  const header = c.req.header("authorization") ?? "";
  const presented = header.toLowerCase().startsWith("bearer ") ? header.slice(7).trim() : "";
  if (!(await timingSafeEqualText(presented, expected))) throw new Problem(401, "Send the admin token as a Bearer token");
  await next();
});

function adminToken(env: Env): string {
  try {
    return config(env).adminToken;
  } catch (err) {
    if (err instanceof ConfigError) throw new Problem(503, `ADMIN_TOKEN is not configured (${err.must})`);
    throw err;
  }
}
