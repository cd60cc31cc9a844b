import type { PageKey } from "../shards/event-shard";

/**
 * Opaque cursor for newest-first event pages: the last row's key (ts_ms, event_uuid) as base64url
 * JSON. The key is the same whichever shard holds the event, so a cursor stays valid across a
 * split. Any other string, whatever it decodes to, is not a cursor this API issued and is refused.
 */
export function encodeCursor({ tsMs, uuid }: PageKey): string {
  return btoa(JSON.stringify([tsMs, uuid]))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export function decodeCursor(cursor: string): PageKey | null {
  try {
    const value: unknown = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/")));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === "string" && value[1].length <= 100) {
      return { tsMs: value[0] as number, uuid: value[1] };
    }
  } catch {
    // falls through: not a cursor this API issued
  }
  return null;
}
