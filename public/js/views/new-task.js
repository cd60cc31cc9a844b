import { ApiError, api } from "../api.js";

const field = (name, label, input, hint = "") =>
  `<div class="field" data-field="${name}"><label for="f-${name}">${label}</label>${input}${hint ? `<small>${hint}</small>` : ""}<p class="error" id="e-${name}" role="alert"></p></div>`;
const text = (name, attrs = "") => `<input id="f-${name}" name="${name}" aria-describedby="e-${name}" ${attrs}>`;

/** + Event Import: upload, S3 or Snowflake, with schedule, format, mapping and default event. */
export async function newTaskView(main) {
  main.innerHTML = `<h1>+ Event Import</h1>
  <form id="task" novalidate>
    ${field("name", "Name", text("name", "required"))}
    <fieldset><legend>Source</legend>
      ${["upload", "s3", "snowflake"].map((t, i) => `<label class="inline"><input type="radio" name="type" value="${t}" ${i ? "" : "checked"}> ${{ upload: "File upload", s3: "Amazon S3", snowflake: "Snowflake" }[t]}</label>`).join("")}
      <div data-for="s3" hidden>
        ${field("source.bucket", "Bucket", text("source.bucket"))}${field("source.region", "Region", text("source.region", 'value="us-east-1"'))}
        ${field("source.endpoint", "Endpoint (optional)", text("source.endpoint", 'placeholder="https://…"'))}${field("source.prefix", "Prefix", text("source.prefix"))}
        ${field("source.pattern", "Pattern", text("source.pattern", 'placeholder="**/*.csv"'))}${field("source.access_key_id", "Access key id", text("source.access_key_id"))}
        ${field("source.secret_access_key", "Secret access key", text("source.secret_access_key", 'type="password" autocomplete="off"'), "Stored encrypted; shown as ******** afterwards")}
      </div>
      <div data-for="snowflake" hidden>
        ${["account", "user", "warehouse", "database", "schema", "role"].map((n) => field(`source.${n}`, n[0].toUpperCase() + n.slice(1), text(`source.${n}`))).join("")}
        ${field("source.private_key", "Private key (PKCS#8 PEM)", `<textarea id="f-source.private_key" name="source.private_key" rows="4" aria-describedby="e-source.private_key"></textarea>`, "Stored encrypted; shown as ******** afterwards")}
        ${field("source.query", "Query", `<textarea id="f-source.query" name="source.query" rows="3" aria-describedby="e-source.query"></textarea>`)}
        ${field("source.incremental_column", "Incremental column (optional)", text("source.incremental_column"))}
      </div>
    </fieldset>
    <fieldset><legend>Schedule</legend>
      ${field("schedule.frequency", "Frequency", `<select id="f-schedule.frequency" name="schedule.frequency">${["once", "hourly", "daily", "weekly"].map((f) => `<option>${f}</option>`).join("")}</select>`)}
      ${field("schedule.start_at", "Start (optional)", text("schedule.start_at", 'type="datetime-local"'))}
      ${field("schedule.end_at", "End (optional)", text("schedule.end_at", 'type="datetime-local"'))}
    </fieldset>
    <fieldset><legend>Format</legend>
      ${field("format.delimiter", "Delimiter", text("format.delimiter", 'value=","'), "One character, or comma, tab, pipe, semicolon")}
      ${field("format.encoding", "Encoding", `<select id="f-format.encoding" name="format.encoding"><option>utf-8</option><option>utf-16</option><option>iso-8859-1</option></select>`)}
      ${field("format.product_ids_delimiter", "product_ids delimiter", text("format.product_ids_delimiter", 'value="|"'))}
    </fieldset>
    <fieldset><legend>Mapping</legend>
      <p>Columns named like event fields (customer_id, email, …) map themselves. Rename or type others here.</p>
      <div id="mapping"></div><button type="button" id="add-map">Add a column mapping</button>
      <p class="error" id="e-mapping" role="alert"></p>
    </fieldset>
    ${field("default_event", "Default event", text("default_event"), "Used for rows without an event")}
    <p class="error" id="e-form" role="alert"></p>
    <button type="submit">Save as draft</button>
  </form>`;
  const form = main.querySelector("#task");
  const showSource = () => {
    const t = form.type.value;
    for (const box of form.querySelectorAll("[data-for]")) box.hidden = box.dataset.for !== t;
    form["schedule.frequency"].disabled = t === "upload";
    if (t === "upload") form["schedule.frequency"].value = "once";
  };
  form.addEventListener("change", (e) => e.target.name === "type" && showSource());
  showSource();
  let maps = 0;
  main.querySelector("#add-map").addEventListener("click", () => {
    const i = maps++;
    main.querySelector("#mapping").insertAdjacentHTML(
      "beforeend",
      `<div class="map-row">
      <label>Column <input name="map-col-${i}"></label><label>Field or attribute <input name="map-field-${i}"></label>
      <label>Type <select name="map-type-${i}">${["string", "integer", "decimal", "boolean", "date", "array"].map((t) => `<option>${t}</option>`).join("")}</select></label></div>`,
    );
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    for (const el of form.querySelectorAll(".error")) el.textContent = "";
    try {
      const task = await api("/imports", { method: "POST", json: body(form, maps) });
      location.hash = `#/imports/${task.id}`;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      form.querySelector("#e-form").textContent = err.message;
      for (const fe of err.problem.errors ?? []) {
        const slot =
          form.querySelector(`#e-${CSS.escape(fe.field)}`) ??
          form.querySelector(`#e-${CSS.escape(fe.field.split(".").slice(0, 2).join("."))}`) ??
          (fe.field.startsWith("mapping") ? form.querySelector("#e-mapping") : form.querySelector("#e-form"));
        slot.textContent = `${slot.textContent ? `${slot.textContent} ` : ""}${fe.message}`;
      }
      form.querySelector(".error:not(:empty)")?.closest(".field")?.querySelector("input,select,textarea")?.focus();
    }
  });
  return null;
}

function body(form, maps) {
  const v = (n) => form[n]?.value.trim() ?? "";
  const type = form.type.value;
  const source = { type };
  for (const el of form.querySelectorAll(`[data-for="${type}"] [name^="source."]`)) if (el.value.trim()) source[el.name.slice(7)] = el.value.trim();
  const iso = (n) => (v(n) ? new Date(v(n)).toISOString() : undefined);
  const mapping = {};
  for (let i = 0; i < maps; i++) {
    const col = v(`map-col-${i}`);
    if (col) mapping[col] = { field: v(`map-field-${i}`) || col, type: v(`map-type-${i}`) };
  }
  return {
    name: v("name"),
    source,
    schedule: { frequency: type === "upload" ? "once" : v("schedule.frequency"), start_at: iso("schedule.start_at"), end_at: iso("schedule.end_at") },
    format: {
      delimiter: form["format.delimiter"].value || ",",
      encoding: v("format.encoding"),
      product_ids_delimiter: v("format.product_ids_delimiter") || "|",
    },
    mapping,
    default_event: v("default_event") || undefined,
  };
}
