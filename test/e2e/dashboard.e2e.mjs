// `npm run test:e2e`: the dashboard in Debian's headless Chromium (playwright-core, no downloaded
// browser) against the real local service, as a person would use it. Screenshots go to test-results/.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { createAccount, startService } from "../../tools/service.mjs";

const SHOTS = "test-results";
let service;
let browser;
let acct;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  service = await startService({ stateDir: "test-results/.state" });
  acct = await createAccount(service, "e2e");
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});
after(async () => {
  await browser?.close();
  await service?.stop();
});

const cspViolations = [];

async function signedIn(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.on("console", (m) => m.type() === "error" && /Content Security Policy/i.test(m.text()) && cspViolations.push(m.text()));
  const res = await page.goto(service.base);
  const csp = res.headers()["content-security-policy"] ?? "";
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(res.headers()["x-content-type-options"], "nosniff");
  await page.getByLabel("User API key").fill(acct.user_api_key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Event Imports" }).waitFor();
  return page;
}
const tick = () => fetch(`${service.base}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*`);

test("a user signs in, creates an upload import, uploads, launches and downloads the error report", async () => {
  const page = await signedIn();
  assert.equal(await page.evaluate(() => location.href.includes("eei_")), false, "the key is never in a URL");

  await page.getByRole("link", { name: "+ Event Import" }).click();
  await page.getByLabel("Name").fill("Browser upload");
  await page.getByLabel("Default event").fill("bad.event"); // the server's rule, shown next to the field
  await page.getByRole("button", { name: "Save as draft" }).click();
  await page.locator("#e-default_event").filter({ hasText: "must not contain '.'" }).waitFor();
  await page.getByLabel("Default event").fill("purchase");
  await page.getByRole("button", { name: "Save as draft" }).click();
  await page.getByRole("heading", { name: "Browser upload" }).waitFor();

  const csv = "customer_id,email,amount\nc1,a@example.com,5\nc2,not-an-email,6\nc3,c@example.com,7\n";
  await page.getByLabel("CSV file (gzip allowed)").setInputFiles({ name: "people.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Upload", exact: true }).click();
  await page.locator("#progress-text").filter({ hasText: "100%" }).waitFor();
  assert.equal(await page.locator("#bar").getAttribute("value"), "100");

  await page.getByRole("button", { name: "Launch" }).click();
  await page.locator("#task-status").filter({ hasText: "Launched" }).waitFor();
  await tick();
  const row = page.locator("#runs tbody tr").first();
  await row.filter({ hasText: "Processed" }).waitFor({ timeout: 20_000 });
  assert.deepEqual(await row.locator("td").nth(3).textContent(), "3");
  assert.deepEqual(await row.locator("td").nth(4).textContent(), "2");
  assert.deepEqual(await row.locator("td").nth(5).textContent(), "1");
  await page
    .locator("#task-status")
    .filter({ hasText: "Completed" })
    .waitFor({ timeout: 10_000 })
    .catch(() => page.reload());

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download error report" }).click()]);
  const report = readFileSync(await download.path(), "utf8");
  assert.match(report, /^customer_id,email,amount,line,error\r\n/);
  assert.match(report, /c2,not-an-email,6,3,email: must be an email address/);
  await page.screenshot({ path: `${SHOTS}/detail-desktop.png`, fullPage: true });

  await page.getByRole("link", { name: "← Event Imports" }).click();
  await page.getByRole("link", { name: "Browser upload" }).waitFor();
  await page.screenshot({ path: `${SHOTS}/list-desktop.png`, fullPage: true });
});

test("a recurring task is paused and relaunched from its page; the list reads at phone width", async () => {
  const auth = { authorization: `Bearer ${acct.user_api_key}`, "content-type": "application/json" };
  const created = await fetch(`${service.base}/api/v1/imports`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({
      name: "Nightly S3",
      source: { type: "s3", bucket: "b", region: "us-east-1", endpoint: "http://127.0.0.1:9", access_key_id: "k", secret_access_key: "s" },
      schedule: { frequency: "daily", start_at: "2030-01-01T00:00:00Z" },
      default_event: "nightly",
    }),
  }).then((r) => r.json());
  await fetch(`${service.base}/api/v1/imports/${created.id}/launch`, { method: "POST", headers: auth });

  const page = await signedIn({ width: 360, height: 780 });
  await page.getByRole("link", { name: "Nightly S3" }).click();
  await page.getByText("********").waitFor(); // the secret, masked
  await page.getByRole("button", { name: "Pause" }).click();
  await page.locator("#task-status").filter({ hasText: "Paused" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Pause" }).count(), 0, "Pause is offered only where legal");
  await page.getByRole("button", { name: "Launch" }).click();
  await page.locator("#task-status").filter({ hasText: "Launched" }).waitFor();
  await page.screenshot({ path: `${SHOTS}/detail-phone.png`, fullPage: true });

  await page.getByRole("link", { name: "Events" }).click();
  await page.getByRole("link", { name: "nightly" }).click();
  await page.getByRole("link", { name: "Nightly S3" }).waitFor();
  assert.equal(await page.getByRole("link", { name: "Browser upload" }).count(), 0, "the event filter keeps only its tasks");
  await page.screenshot({ path: `${SHOTS}/list-phone.png`, fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  assert.equal(overflow, false, "no sideways scrolling of the page at 360 px");

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("User API key").waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  assert.deepEqual(cspViolations, [], "the dashboard runs under its CSP without violations");
});
