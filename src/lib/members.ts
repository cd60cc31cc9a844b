/**
 * `obj[key] = value`, except that a key "__proto__" (an own member once JSON.parse has read it)
 * stays an own member instead of replacing the object's prototype, where it would be lost. Plain
 * objects keep V8's fast shapes; an object without a prototype would not, and the usual event's
 * attributes would build and stringify slower.
 */
export function setMember(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
