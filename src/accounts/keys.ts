import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { accounts, apiKeys } from "../db/schema";
import { randomToken, sha256Hex } from "../lib/crypto";

export type KeyKind = "event" | "user";
export interface KeyOwner {
  accountId: string;
  kind: KeyKind;
}

const PREFIX: Record<KeyKind, string> = { event: "eei_ev_", user: "eei_us_" };

export interface NewAccount {
  account_id: string;
  name: string;
  event_api_key: string;
  user_api_key: string;
}

/** Creates an account and its two keys in one atomic batch; the plaintext keys leave only in the result. */
export async function createAccount(db: Database, name: string, eventShards: number, now: Date): Promise<NewAccount> {
  const accountId = crypto.randomUUID();
  const eventKey = PREFIX.event + randomToken(32);
  const userKey = PREFIX.user + randomToken(32);
  const createdAt = now.toISOString();
  await db.batch([
    db.insert(accounts).values({ id: accountId, name, createdAt, eventShards }),
    db.insert(apiKeys).values([
      { keyHash: await sha256Hex(eventKey), accountId, kind: "event", createdAt },
      { keyHash: await sha256Hex(userKey), accountId, kind: "user", createdAt },
    ]),
  ]);
  return { account_id: accountId, name, event_api_key: eventKey, user_api_key: userKey };
}

/**
 * Finds who owns a presented key. The key is hashed and the hash is the lookup: D1 never sees the
 * plaintext, and the row found is compared again in constant time before it is trusted.
 */
export async function findKeyOwner(db: Database, keyHash: string): Promise<KeyOwner | null> {
  const row = await db
    .select({ keyHash: apiKeys.keyHash, accountId: apiKeys.accountId, kind: apiKeys.kind })
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, keyHash))
    .get();
  if (!row) return null;
  const enc = new TextEncoder();
  const a = enc.encode(row.keyHash);
  const b = enc.encode(keyHash);
  if (a.byteLength !== b.byteLength || !crypto.subtle.timingSafeEqual(a, b)) return null;
  return { accountId: row.accountId, kind: row.kind };
}
