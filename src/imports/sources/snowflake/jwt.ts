/**
 * Snowflake key-pair authentication (the SQL API v2's KEYPAIR_JWT): an RS256 JWT signed with the user's
 * PKCS#8 key, `iss = ACCOUNT.USER.SHA256:<fingerprint of the public key>`, `sub = ACCOUNT.USER`.
 */

const b64 = (bytes: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const b64url = (bytes: ArrayBuffer | Uint8Array) => b64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const jsonB64url = (v: unknown) => b64url(new TextEncoder().encode(JSON.stringify(v)));

/** Lifetime of a token; Snowflake refuses more than one hour. Re-signed when less than 5 minutes remain. */
const LIFETIME_S = 59 * 60;
const RENEW_BEFORE_S = 5 * 60;

/**
 * The account as the JWT names it: upper case, a locator's region and cloud dropped
 * (`xy12345.us-east-2.aws` → `XY12345`), an org-form `myorg.acct` written `MYORG-ACCT`.
 */
export function jwtAccount(account: string): string {
  const bare = account
    .trim()
    .replace(/\.snowflakecomputing\.com$/i, "")
    .replace(/^https?:\/\//i, "");
  const [first, second, ...rest] = bare.split(".");
  const looksLikeRegion = second !== undefined && (/\d/.test(second) || /-/.test(second) || rest.length > 0 || /^(aws|gcp|azure|global)$/i.test(second));
  if (second === undefined) return first!.toUpperCase();
  return (looksLikeRegion ? first! : `${first}-${second}`).toUpperCase();
}

export async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const body = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\s+/g, "");
  const der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  return crypto.subtle.importKey("pkcs8", der, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["sign"]);
}

/** base64(SHA-256(DER SubjectPublicKeyInfo)), as DESCRIBE USER shows RSA_PUBLIC_KEY_FP. */
export async function publicKeyFingerprint(privateKey: CryptoKey): Promise<string> {
  const jwk = (await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey;
  const pub = await crypto.subtle.importKey("jwk", { kty: jwk.kty, n: jwk.n, e: jwk.e }, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]);
  const spki = await crypto.subtle.exportKey("spki", pub);
  return b64(await crypto.subtle.digest("SHA-256", spki as ArrayBuffer));
}

/** Signs tokens for one account and user, re-signing when the current one nears expiry. */
export async function jwtSigner(account: string, user: string, pem: string, nowS = () => Math.floor(Date.now() / 1000)) {
  const key = await importPrivateKey(pem);
  const qualified = `${jwtAccount(account)}.${user.trim().toUpperCase()}`;
  const iss = `${qualified}.SHA256:${await publicKeyFingerprint(key)}`;
  let current: { token: string; exp: number } | null = null;
  return async (): Promise<string> => {
    const now = nowS();
    if (current && current.exp - now > RENEW_BEFORE_S) return current.token;
    const header = jsonB64url({ alg: "RS256", typ: "JWT" });
    const payload = jsonB64url({ iss, sub: qualified, iat: now, exp: now + LIFETIME_S });
    const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, new TextEncoder().encode(`${header}.${payload}`));
    current = { token: `${header}.${payload}.${b64url(signature)}`, exp: now + LIFETIME_S };
    return current.token;
  };
}
