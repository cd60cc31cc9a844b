/** An operation of the OpenAPI document: its method (upper case), path template and declared security. */
export interface Operation {
  method: string;
  path: string;
  security?: Record<string, string[]>[];
}

const METHODS = ["get", "post", "put", "patch", "delete"];

/** Every operation `doc` (the app's /openapi.json) lists, so a test walking them covers a route added later. */
export function operations(doc: unknown): Operation[] {
  const paths = (doc as { paths: Record<string, Record<string, { security?: Operation["security"] }>> }).paths;
  return Object.entries(paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ method: method.toUpperCase(), path, security: op.security })),
  );
}

/** The path template with each {name} replaced by values[name] (or unknown-name). */
export const fill = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? `unknown-${name}`);
