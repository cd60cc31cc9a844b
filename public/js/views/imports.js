import { api } from "../api.js";
import { esc, status, time } from "../format.js";

/** Event Imports: every task with its status, last fetch and row counts; refreshes while runs are active. */
export async function importsView(main, params) {
  const event = params.get("event");
  const { imports } = await api(`/imports${event ? `?event=${encodeURIComponent(event)}` : ""}`);
  main.innerHTML = `
    <div class="bar">
      <h1>Event Imports${event ? ` for <q>${esc(event)}</q>` : ""}</h1>
      <a class="button" href="#/new">+ Event Import</a>
      <a href="/api/v1/imports/sample.csv" download>Download Sample CSV</a>
    </div>
    ${event ? `<p><a href="#/imports">Show all imports</a></p>` : ""}
    ${
      imports.length === 0
        ? "<p>No imports yet.</p>"
        : `
    <div class="scroll"><table>
      <caption class="visually-hidden">Import tasks, newest first</caption>
      <thead><tr><th scope="col">Name</th><th scope="col">Source</th><th scope="col">Status</th><th scope="col">Last fetch</th>
        <th scope="col">Rows total</th><th scope="col">Processed</th><th scope="col">Errored</th><th scope="col">Updated</th></tr></thead>
      <tbody>${imports.map(row).join("")}</tbody>
    </table></div>`
    }`;
  const active = imports.some(
    (t) => t.last_fetch?.status === "fetching" || t.last_run?.processing_status === "processing" || (t.status === "launched" && !t.last_fetch),
  );
  return active ? 3000 : null; // refresh interval while anything is running
}

function row(t) {
  const rows = t.last_run?.rows;
  return `<tr>
    <td><a href="#/imports/${esc(t.id)}">${esc(t.name)}</a></td>
    <td>${esc(t.source.type)}</td>
    <td>${status(t.status)}</td>
    <td>${t.last_fetch ? `${status(t.last_fetch.status)} ${time(t.last_fetch.ended_at ?? t.last_fetch.started_at)}` : "—"}</td>
    <td>${rows ? rows.total : "—"}</td><td>${rows ? rows.processed : "—"}</td><td>${rows ? rows.errored : "—"}</td>
    <td>${time(t.updated_at)}</td>
  </tr>`;
}
