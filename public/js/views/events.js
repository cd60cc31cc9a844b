import { api } from "../api.js";
import { esc } from "../format.js";

/** Setup → Events: the account's event names; each opens the imports that feed it. */
export async function eventsView(main) {
  const { names } = await api("/events/names");
  main.innerHTML = `<h1>Events</h1>
    ${names.length === 0 ? "<p>No events yet.</p>" : `<ul class="names">${names.map((n) => `<li><a href="#/imports?event=${encodeURIComponent(n)}">${esc(n)}</a></li>`).join("")}</ul>`}`;
  return null;
}
