import { z } from "zod";
import { Problem } from "../../lib/problem";

/** SECRETS_KEY: base64 of exactly 32 bytes (an AES-256 key). */
const SecretsKey = z.string().transform((v, ctx) => {
  try {
    const bytes = Uint8Array.from(atob(v.trim()), (c) => c.charCodeAt(0));
    if (bytes.length === 32) return bytes;
  } catch {
    // reported below
  }
  ctx.addIssue({ code: "custom", message: "SECRETS_KEY must be base64 of 32 bytes (openssl rand -base64 32)" });
  return z.NEVER;
});

const keys = new Map<string, Promise<CryptoKey>>();

function aesKey(env: Env): Promise<CryptoKey> {
  const raw = env.SECRETS_KEY;
  let key = keys.get(raw);
  if (!key) {
    const parsed = SecretsKey.safeParse(raw);
    if (!parsed.success) throw new Problem(500, "The server's SECRETS_KEY is not configured correctly");
    key = crypto.subtle.importKey("raw", parsed.data, "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(raw, key);
  }
  return key;
}

/** AES-GCM with a fresh 96-bit IV; the result is base64(iv ‖ ciphertext ‖ tag). */
export async function encryptSecrets(env: Env, secrets: Record<string, string>): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = new TextEncoder().encode(JSON.stringify(secrets));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await aesKey(env), plain));
  const out = new Uint8Array(iv.length + ct.length);
  out.set(iv);
  out.set(ct, iv.length);
  let s = "";
  for (let i = 0; i < out.length; i += 0x8000) s += String.fromCharCode(...out.subarray(i, i + 0x8000));
  return btoa(s);
}

export async function decryptSecrets(env: Env, sealed: string): Promise<Record<string, string>> {
  const bytes = Uint8Array.from(atob(sealed), (c) => c.charCodeAt(0));
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.subarray(0, 12) }, await aesKey(env), bytes.subarray(12));
  return JSON.parse(new TextDecoder().decode(plain)) as Record<string, string>;
}
