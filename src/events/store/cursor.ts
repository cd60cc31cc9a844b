/**
 * Opaque cursor for newest-first event pages: the last row's (ts_ms, seq), base64url JSON. Any
 * other string, whatever it decodes to, is not a cursor this API issued and is refused (422).
 */
export function encodeCursor(tsMs: number, seq: number): string {
  return btoa(JSON.stringify([tsMs, seq]))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export function decodeCursor(cursor: string): { tsMs: number; seq: number } | null {
  try {
    const json = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const value = JSON.parse(json) as unknown;
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && Number.isSafeInteger(value[1])) {
      return { tsMs: value[0] as number, seq: value[1] as number };
    }
  } catch {
    // falls through: not a cursor this API issued
  }
  return null;
}
