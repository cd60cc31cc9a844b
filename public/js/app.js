import { ApiError, api, session } from "./api.js";
import { detailView } from "./views/detail.js";
import { eventsView } from "./views/events.js";
import { importsView } from "./views/imports.js";
import { newTaskView } from "./views/new-task.js";

const main = document.querySelector("main");
const nav = document.querySelector("#nav");
let timer = null;

/** Hash routes: #/imports, #/imports/:id, #/new, #/events; #/signin when there is no key. */
async function render() {
  clearTimeout(timer);
  const [path, query = ""] = location.hash.slice(1).split("?");
  const params = new URLSearchParams(query);
  nav.hidden = !session.get();
  if (!session.get()) return signIn();
  const detail = /^\/imports\/([\w-]+)$/.exec(path ?? "");
  try {
    const refresh = detail
      ? await detailView(main, params, detail[1])
      : path === "/new"
        ? await newTaskView(main)
        : path === "/events"
          ? await eventsView(main)
          : await importsView(main, params);
    if (refresh) timer = setTimeout(render, refresh);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      session.clear();
      return signIn("That key was not accepted; sign in with a user API key.");
    }
    main.innerHTML = `<p class="error" role="alert"></p>`;
    main.querySelector(".error").textContent = err instanceof ApiError ? err.message : String(err);
  }
  main.querySelector("h1")?.setAttribute("tabindex", "-1");
}

function signIn(message = "") {
  nav.hidden = true;
  main.innerHTML = `<h1>Sign in</h1>
    <form id="signin"><div class="field"><label for="key">User API key</label>
      <input id="key" name="key" type="password" autocomplete="off" required aria-describedby="signin-error"></div>
      <p class="error" id="signin-error" role="alert"></p><button type="submit">Sign in</button></form>`;
  main.querySelector("#signin-error").textContent = message;
  main.querySelector("#signin").addEventListener("submit", async (e) => {
    e.preventDefault();
    const key = e.target.key.value.trim();
    try {
      await api("/imports", { key });
      session.set(key);
      location.hash = "#/imports";
      render();
    } catch (err) {
      main.querySelector("#signin-error").textContent =
        err instanceof ApiError && (err.status === 401 || err.status === 403)
          ? "That key was not accepted; use the account's user API key."
          : String(err.message ?? err);
    }
  });
}

document.querySelector("#signout").addEventListener("click", () => {
  session.clear();
  location.hash = "#/signin";
  render();
});
window.addEventListener("hashchange", render);
render();
