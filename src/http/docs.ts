import { html, raw } from "hono/html";

type Json = Record<string, unknown>;

/**
 * A self-contained reference page rendered from the OpenAPI document: no CDN script (the
 * dashboard's CSP forbids them, and local runs are offline), just every operation with its
 * parameters, body schema and responses.
 */
export function renderDocs(doc: Json) {
  const info = doc.info as Json;
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
  const ops = Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${String(info.title)} — API reference</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:960px;margin:0 auto;padding:1rem;color:#1a1a1a}
h2{margin-top:2rem;font-size:1.1rem}code,pre{font-family:ui-monospace,monospace;font-size:.9rem}
pre{background:#f4f4f4;padding:.75rem;overflow:auto;border-radius:4px}.m{font-weight:700;padding:0 .4rem;border:1px solid;border-radius:3px}
nav a{display:block}
</style>
</head>
<body>
<h1>${String(info.title)} <small>v${String(info.version)}</small></h1>
<p>${String(info.description ?? "")}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<nav aria-label="Operations">${ops.map((o) => html`<a href="#${anchor(o.method, o.path)}">${o.method} ${o.path}</a>`)}</nav>
${ops.map(
  (o) => html`<section id="${anchor(o.method, o.path)}">
<h2><span class="m">${o.method}</span> <code>${o.path}</code></h2>
<p>${String(o.op.summary ?? "")}</p>
${o.op.parameters ? html`<h3>Parameters</h3><pre>${JSON.stringify(o.op.parameters, null, 2)}</pre>` : ""}
${o.op.requestBody ? html`<h3>Body</h3><pre>${JSON.stringify(o.op.requestBody, null, 2)}</pre>` : ""}
<h3>Responses</h3><pre>${JSON.stringify(o.op.responses, null, 2)}</pre>
</section>`,
)}
<h2>Schemas</h2><pre>${raw(escapeHtml(JSON.stringify((doc.components as Json | undefined)?.schemas ?? {}, null, 2)))}</pre>
</body></html>`;
}

function anchor(method: string, path: string): string {
  return `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, "-");
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
