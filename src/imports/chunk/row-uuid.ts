/**
 * Deterministic event_uuids for imported rows: 64 bits from SHA-256 of the file's identity, then
 * the data row number mixed into the rest. The same file row always gets the same uuid, so a
 * re-delivered chunk or a retried run stores nothing twice; rows of one file never collide.
 * Formatted as a version 8 (custom) UUID.
 */
export async function rowUuidFactory(identity: string): Promise<(row: number) => string> {
  const seed = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(identity)));
  const prefix = Array.from(seed.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
  const tail = seed.subarray(8, 16);
  return (row: number) => {
    const b = new Uint8Array(tail);
    let n = row;
    for (let i = 7; i >= 2; i--) {
      b[i] = b[i]! ^ (n % 256);
      n = Math.floor(n / 256);
    }
    b[0] = (b[0]! & 0x3f) | 0x80; // RFC 9562 variant
    let hex = prefix;
    for (const x of b) hex += x.toString(16).padStart(2, "0");
    hex = `${hex.slice(0, 12)}8${hex.slice(13)}`; // version 8
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

/**
 * A UUID (version 8) from a row's content, for sources whose rows have no stable position
 * (a Snowflake query re-run returns the rows again, maybe in another order): the same row of the
 * same task always gets the same uuid, so a retried run stores nothing twice. FNV-1a, four lanes.
 */
export function contentUuid(seed: string, text: string): string {
  const lanes = [0x811c9dc5, 0x01000193 ^ 0x5bd1e995, 0x9e3779b9, 0x85ebca6b];
  const input = `${seed}\n${text}`;
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    for (let l = 0; l < 4; l++) lanes[l] = Math.imul(lanes[l]! ^ (c + l * 0x9e), 0x01000193) >>> 0;
  }
  const hex = lanes.map((x) => x.toString(16).padStart(8, "0")).join("");
  const v = `${hex.slice(0, 12)}8${hex.slice(13, 16)}${((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17)}`;
  return `${v.slice(0, 8)}-${v.slice(8, 12)}-${v.slice(12, 16)}-${v.slice(16, 20)}-${v.slice(20)}`;
}

/**
 * `uuid` with its first 48 bits set to `tsMs` (UUIDv7's layout; the version stays 8). Content
 * uuids of rows that carry a timestamp then sort by it: a shard's unique uuid index takes a run's
 * rows near its end instead of at random places all over it, which costs less the larger the shard
 * (docs/performance.md). A time outside 48 bits leaves the uuid as it is.
 */
export function timeOrdered(uuid: string, tsMs: number): string {
  if (!(tsMs >= 0 && tsMs < 2 ** 48)) return uuid;
  const hex = Math.floor(tsMs).toString(16).padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}${uuid.slice(13)}`;
}
