/**
 * A version 7 UUID (RFC 9562): 48 bits of Unix milliseconds, then randomness. Server-assigned
 * event ids sort by time, so inserts append to a shard's unique event_uuid index instead of
 * landing at random pages of it (the shard hash reads every digit, so placement stays uniform).
 */
export function uuidv7(nowMs: number = Date.now()): string {
  // The time part is the same for every id minted in one millisecond (a bulk call's 1,000): its
  // text is kept rather than re-encoded per id.
  if (nowMs !== prefixMs) {
    prefixMs = nowMs;
    let hex = "";
    let ms = nowMs;
    for (let i = 0; i < 6; i++) {
      hex = HEX[ms % 256]! + hex;
      ms = Math.floor(ms / 256);
    }
    prefix = `${hex.slice(0, 8)}-${hex.slice(8)}-`;
  }
  const at = takeRandom(10);
  const p = pool;
  // Version 7 in the high nibble of byte 6, the RFC 9562 variant (10xx) in byte 8.
  return `${prefix}${HEX[(p[at]! & 0x0f) | 0x70]}${HEX[p[at + 1]!]}-${HEX[(p[at + 2]! & 0x3f) | 0x80]}${HEX[p[at + 3]!]}-${HEX[p[at + 4]!]}${HEX[p[at + 5]!]}${HEX[p[at + 6]!]}${HEX[p[at + 7]!]}${HEX[p[at + 8]!]}${HEX[p[at + 9]!]}`;
}

let prefixMs = -1;
let prefix = "";

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

// A bulk call mints up to 1,000 ids: draw the randomness 4 KB at a time rather than one
// getRandomValues call per id (each is a trip into the runtime). Bytes are used once.
const pool = new Uint8Array(4096);
let poolAt = pool.length;

/** The offset in `pool` of `n` fresh random bytes. */
function takeRandom(n: number): number {
  if (poolAt + n > pool.length) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  poolAt += n;
  return poolAt - n;
}
