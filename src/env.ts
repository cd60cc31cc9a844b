import { z } from "zod";

/** Secrets are strings the types can't vouch for: parse them once, at the boundary where they're used. */
const AdminToken = z.string().min(16, "ADMIN_TOKEN must be at least 16 characters");

export function adminToken(env: Env): string | null {
  const parsed = AdminToken.safeParse(env.ADMIN_TOKEN);
  return parsed.success ? parsed.data : null;
}
