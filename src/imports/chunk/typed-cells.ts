/** The attribute types a mapping may declare (API.md §4.4), and how a text cell becomes one. */
export type AttrType = "string" | "integer" | "decimal" | "boolean" | "date" | "array";

const INTEGER_RE = /^[+-]?\d+$/;
const DECIMAL_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

export function convert(cell: string, type: AttrType, split: (v: string) => string[]): { ok: true; value: unknown } | { ok: false; error: string } {
  switch (type) {
    case "string":
      return { ok: true, value: cell };
    case "integer": {
      const n = Number(cell);
      if (INTEGER_RE.test(cell.trim()) && Number.isSafeInteger(n)) return { ok: true, value: n };
      return { ok: false, error: `"${cell.slice(0, 40)}" is not an integer` };
    }
    case "decimal": {
      const n = Number(cell);
      if (DECIMAL_RE.test(cell.trim()) && Number.isFinite(n)) return { ok: true, value: n };
      return { ok: false, error: `"${cell.slice(0, 40)}" is not a decimal number` };
    }
    case "boolean":
      if (cell === "true") return { ok: true, value: true };
      if (cell === "false") return { ok: true, value: false };
      return { ok: false, error: `"${cell.slice(0, 40)}" is not true or false (lower case)` };
    case "date":
      if (DATE_RE.test(cell.trim()) && !Number.isNaN(Date.parse(cell.trim().slice(0, 10)))) return { ok: true, value: cell };
      return { ok: false, error: `"${cell.slice(0, 40)}" is not an ISO 8601 date or date-time` };
    case "array":
      return { ok: true, value: split(cell) };
  }
}
