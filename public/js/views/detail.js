import { ApiError, api, uploadFile } from "../api.js";
import { bytes, esc, status, time } from "../format.js";

/** Task detail: last fetch, file upload, Launch/Pause where legal, run history, chart, error reports. */
export async function detailView(main, _params, id) {
  const [task, { runs }] = await Promise.all([api(`/imports/${id}`), api(`/imports/${id}/runs`)]);
  const upload = task.source.type === "upload";
  const canUpload = upload && (task.status === "draft" || task.status === "paused");
  main.innerHTML = `
    <p><a href="#/imports">← Event Imports</a></p>
    <h1>${esc(task.name)}</h1>
    <dl class="facts">
      <dt>Status</dt><dd id="task-status">${status(task.status)}</dd>
      <dt>Source</dt><dd>${esc(task.source.type)}${Object.entries(task.source)
        .filter(([k]) => k !== "type")
        .map(([k, v]) => `<br><span class="muted">${esc(k)}:</span> ${esc(v)}`)
        .join("")}</dd>
      <dt>Schedule</dt><dd>${esc(task.schedule.frequency)}${task.next_run_at ? `, next ${time(task.next_run_at)}` : ""}</dd>
      <dt>Default event</dt><dd>${esc(task.default_event ?? "—")}</dd>
      <dt>Last Fetch Status</dt><dd>${task.last_fetch ? status(task.last_fetch.status) : "—"}</dd>
      <dt>Fetch start time</dt><dd>${time(task.last_fetch?.started_at)}</dd>
      <dt>Fetch end time</dt><dd>${time(task.last_fetch?.ended_at)}</dd>
      ${upload ? `<dt>File</dt><dd id="file">${task.file ? `${esc(task.file.name)} (${bytes(task.file.bytes)})` : "none yet"}</dd>` : ""}
    </dl>
    ${
      canUpload
        ? `<section aria-labelledby="up-h"><h2 id="up-h">Upload the file</h2>
      <label for="file-input">CSV file (gzip allowed)</label> <input type="file" id="file-input">
      <button id="upload" type="button">Upload</button> <button id="cancel" type="button" hidden>Cancel</button>
      <div class="progress"><progress id="bar" max="100" value="0" aria-label="Upload progress"></progress> <span id="progress-text" aria-live="polite"></span></div>
      <p class="error" id="upload-error" role="alert"></p></section>`
        : ""
    }
    <div class="actions">
      ${task.status === "draft" || task.status === "paused" ? `<button id="launch" type="button">Launch</button>` : ""}
      ${task.status === "launched" ? `<button id="pause" type="button">Pause</button>` : ""}
      <p class="error" id="action-error" role="alert"></p>
    </div>
    <h2>Runs</h2>
    ${
      runs.length === 0
        ? "<p>No runs yet.</p>"
        : `${chart(runs)}
    <div class="scroll"><table id="runs">
      <caption class="visually-hidden">Runs, newest first</caption>
      <thead><tr><th scope="col">Started</th><th scope="col">Fetch</th><th scope="col">Processing</th><th scope="col">Total</th>
        <th scope="col">Processed</th><th scope="col">Errored</th><th scope="col">Error</th><th scope="col">Report</th></tr></thead>
      <tbody>${runs
        .map(
          (r) => `<tr>
        <td>${time(r.fetch.started_at)}</td><td>${status(r.fetch.status)}</td><td>${status(r.processing.status)}</td>
        <td>${r.rows.total}</td><td>${r.rows.processed}</td><td>${r.rows.errored}</td>
        <td>${esc(r.fetch.error ?? r.processing.error ?? "")}</td>
        <td>${r.rows.errored > 0 ? `<button type="button" class="link" data-report="${esc(r.id)}">Download error report</button>` : "—"}</td></tr>`,
        )
        .join("")}</tbody>
    </table></div>`
    }`;

  const act = async (action) => {
    try {
      await api(`/imports/${id}/${action}`, { method: "POST" });
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (err) {
      main.querySelector("#action-error").textContent = err instanceof ApiError ? err.message : String(err);
    }
  };
  main.querySelector("#launch")?.addEventListener("click", () => act("launch"));
  main.querySelector("#pause")?.addEventListener("click", () => act("pause"));
  for (const b of main.querySelectorAll("[data-report]")) b.addEventListener("click", () => downloadReport(id, b.dataset.report));
  if (canUpload) wireUpload(main, id);
  // Refresh while a run is active, and while a launched task waits for its first run.
  const active = runs.some((r) => r.fetch.status === "fetching" || r.processing.status === "processing");
  return active || (task.status === "launched" && runs.length === 0) ? 2000 : null;
}

function wireUpload(main, id) {
  const bar = main.querySelector("#bar");
  const text = main.querySelector("#progress-text");
  const cancel = main.querySelector("#cancel");
  let controller = null;
  cancel.addEventListener("click", () => controller?.abort());
  main.querySelector("#upload").addEventListener("click", async () => {
    const file = main.querySelector("#file-input").files[0];
    const error = main.querySelector("#upload-error");
    error.textContent = "";
    if (!file) {
      error.textContent = "Choose a file first";
      return;
    }
    controller = new AbortController();
    cancel.hidden = false;
    try {
      const out = await uploadFile(
        id,
        file,
        (sent, total) => {
          const pct = total ? Math.round((sent / total) * 100) : 100;
          bar.value = pct;
          text.textContent = `${pct}% (${bytes(sent)} of ${bytes(total)})`;
        },
        controller.signal,
      );
      main.querySelector("#file").textContent = `${out.name} (${bytes(out.bytes)})`;
      text.textContent = `100% (${bytes(out.bytes)} of ${bytes(out.bytes)}) — uploaded`;
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : String(err);
    } finally {
      cancel.hidden = true;
    }
  });
}

async function downloadReport(id, runId) {
  const blob = await api(`/imports/${id}/runs/${runId}/errors.csv`);
  const a = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: `errors-${runId}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** Rows processed vs errored per run (oldest left), as an SVG with the numbers also in text. */
function chart(runs) {
  const list = runs.slice(0, 20).toReversed();
  const max = Math.max(1, ...list.map((r) => r.rows.total));
  const w = 28;
  const bars = list
    .map((r, i) => {
      const hp = (r.rows.processed / max) * 100;
      const he = (r.rows.errored / max) * 100;
      return `<g><title>${esc(new Date(r.fetch.started_at).toLocaleString())}: ${r.rows.processed} processed, ${r.rows.errored} errored</title>
        <rect x="${i * w + 4}" y="${110 - hp}" width="${w - 8}" height="${hp}" class="ok"></rect>
        <rect x="${i * w + 4}" y="${110 - hp - he}" width="${w - 8}" height="${he}" class="bad"></rect></g>`;
    })
    .join("");
  return `<figure class="chart"><svg viewBox="0 0 ${Math.max(list.length * w, 100)} 112" role="img" aria-label="Rows processed and errored per run">${bars}</svg>
    <figcaption><span class="key ok"></span> processed (lower, green) <span class="key bad"></span> errored (upper, red), per run, oldest first; the table below has the numbers</figcaption></figure>`;
}
