/**
 * A version 7 UUID (RFC 9562): 48 bits of Unix milliseconds, then randomness. Server-assigned
 * event ids sort by time, so inserts append to the (account_id, event_uuid) index instead of
 * landing at random pages of it.
 */
export function uuidv7(nowMs: number = Date.now()): string {
  const r = randomBytes(10);
  const b = new Uint8Array(16);
  let ms = nowMs;
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b.set(r, 6);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  let hex = "";
  for (let i = 0; i < 16; i++) {
    hex += HEX[b[i]!];
    if (i === 3 || i === 5 || i === 7 || i === 9) hex += "-";
  }
  return hex;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

// A bulk call mints up to 1,000 ids: draw the randomness 4 KB at a time rather than one
// getRandomValues call per id (each is a trip into the runtime). Bytes are used once.
const pool = new Uint8Array(4096);
let poolAt = pool.length;

function randomBytes(n: number): Uint8Array {
  if (poolAt + n > pool.length) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  poolAt += n;
  return pool.subarray(poolAt - n, poolAt);
}
