import type { z } from "zod";

/**
 * A JSON column the fetch wrote itself, read back and checked against the schema it was written
 * with. A column that fails was changed behind the code's back: that is an error naming the row
 * and the column (`where`), never a silently wrong value.
 */
export function storedJson<T extends z.ZodType>(schema: T, text: string, where: string): z.output<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`${where} does not match its schema: ${parsed.error.message}`);
  return parsed.data;
}
