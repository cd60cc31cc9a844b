import { config } from "../../config";

const keys = new WeakMap<Uint8Array, Promise<CryptoKey>>();

function aesKey(env: Env): Promise<CryptoKey> {
  const raw = config(env).secretsKey;
  let key = keys.get(raw);
  if (!key) {
    key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
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
