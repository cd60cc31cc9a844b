/** Opaque cursor for newest-first event pages: the last row's (ts_ms, event_uuid), base64url JSON. */
export function encodeCursor(tsMs: number, eventUuid: string): string {
  return btoa(JSON.stringify([tsMs, eventUuid])).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(cursor: string): { tsMs: number; eventUuid: string } | null {
  try {
    const json = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const value = JSON.parse(json) as unknown;
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === "string") {
      return { tsMs: value[0] as number, eventUuid: value[1] };
    }
  } catch {
    // falls through: not a cursor this API issued
  }
  return null;
}
