// Part of `npm test`: no SQL is built from strings at run time. Queries are Drizzle builders or
// `sql` templates (values become bound parameters), or constant strings given to D1's prepare()
// with `?` parameters. This fails on the ways user input could end up inside SQL text:
// sql.raw(), and a prepare() whose text is a template with ${…} or a concatenation.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const files = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith(".ts") ? [join(dir, f)] : []));
const risky = [
  [/sql\.raw\(/, "sql.raw()"],
  [/\.prepare\(\s*`[^`]*\$\{/, "prepare() of a template with ${…}"],
  [/\.prepare\(\s*(["'`])[^"'`]*\1\s*\+/, "prepare() of a concatenation"],
  [/\.prepare\(\s*[a-z]\w*\s*\+/, "prepare() of a concatenation"],
];
const found = [];
for (const file of files("src")) {
  const text = readFileSync(file, "utf8");
  for (const [pattern, what] of risky) if (pattern.test(text)) found.push(`${file}: ${what}`);
}
if (found.length > 0) {
  console.error(`SQL built from strings:\n  ${found.join("\n  ")}`);
  process.exit(1);
}
