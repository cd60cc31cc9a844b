// Part of `npm test`: /openapi.json as a client sees it, checked by validators that share no code
// with the one that wrote it (zod → @asteasolutions/zod-to-openapi): the OpenAPI 3.1 meta-schema, the
// JavaScript regex engine a client compiles patterns with, and ajv, validating the request bodies the
// API takes against the document's own schemas. Each body is also sent to the service, so the
// document and the server agree on what they accept.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";
import { basic, createAccount, startService } from "../../tools/service.mjs";

let service;
let doc;
let acct;
before(async () => {
  service = await startService({ stateDir: "test-results/.openapi-service-state" });
  const res = await fetch(`${service.base}/openapi.json`);
  assert.equal(res.status, 200);
  doc = await res.json();
  acct = await createAccount(service, "openapi");
});
after(async () => {
  await service?.stop();
});

const pointer = (key) => String(key).replaceAll("~", "~0").replaceAll("/", "~1");

/** Members whose values are data (examples, defaults), never schemas, so a "pattern" in them is not one. */
const DATA = new Set(["example", "examples", "default", "enum", "const"]);
/** Members whose values map names to schemas, so a name ("pattern", "example") is never a keyword. */
const NAMED = new Set(["properties", "$defs", "dependentSchemas", "schemas"]);

/** Every regular expression in the document: `pattern` values and `patternProperties` names. */
function patternsIn(node, at = "#", out = []) {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) patternsIn(item, `${at}/${i}`, out);
    return out;
  }
  if (!node || typeof node !== "object") return out;
  for (const [key, value] of Object.entries(node)) {
    const here = `${at}/${pointer(key)}`;
    if (key === "pattern" && typeof value === "string") out.push({ at: here, pattern: value });
    if (key === "patternProperties" || NAMED.has(key)) {
      for (const [name, schema] of Object.entries(value ?? {})) {
        if (key === "patternProperties") out.push({ at: `${here}/${pointer(name)}`, pattern: name });
        patternsIn(schema, `${here}/${pointer(name)}`, out);
      }
    } else if (!DATA.has(key)) {
      patternsIn(value, here, out);
    }
  }
  return out;
}

const DOC_ID = "https://events.test/openapi.json";

/**
 * Validates `body` against the JSON request body schema of `method path`, resolved where it sits in the
 * document, so its `$ref`s mean what they mean to any OpenAPI 3.1 client.
 */
function bodyValidator(method, path) {
  // `format` is an annotation in JSON Schema 2020-12 unless a dialect asserts it; OpenAPI 3.1's doesn't.
  const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true, validateFormats: false });
  // OpenAPI 3.1's own schema keywords, and the document members the schemas are found under.
  ajv.addVocabulary(["example", "discriminator", "xml", "externalDocs", "paths", "components"]);
  ajv.addSchema({ $id: DOC_ID, paths: doc.paths, components: doc.components });
  assert.ok(doc.paths[path]?.[method]?.requestBody, `${method} ${path} takes a body in the document`);
  const at = ["paths", path, method, "requestBody", "content", "application/json", "schema"].map(pointer).join("/");
  const validate = ajv.getSchema(`${DOC_ID}#/${at}`);
  assert.ok(validate, `the body schema of ${method} ${path} resolves`);
  return validate;
}

async function post(path, body) {
  const key = path.endsWith("event") || path.endsWith("bulkevents") ? acct.event_api_key : acct.user_api_key;
  const res = await fetch(`${service.base}${path}`, {
    method: "POST",
    headers: { authorization: basic(key), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

/** Each case is valid by the document exactly when the service takes it (2xx) rather than refusing it (422). */
async function checkBodies(path, cases) {
  const validate = bodyValidator("post", path);
  for (const [what, body, valid] of cases) {
    assert.equal(validate(body), valid, `${path}, ${what}: ${JSON.stringify(validate.errors)}`);
    const res = await post(path, body);
    if (valid) assert.ok(res.status >= 200 && res.status < 300, `${path}, ${what}: the service answered ${res.status} ${res.text}`);
    else assert.equal(res.status, 422, `${path}, ${what}: ${res.text}`);
  }
}

const UUID = "0190b5a0-4c3e-7d21-9f6a-2b8c4d6e8f10";

test("the document is a valid OpenAPI 3.1 document", async () => {
  const validator = new Validator();
  const result = await validator.validate(doc);
  assert.deepEqual(result.errors, undefined);
  assert.equal(result.valid, true);
  assert.equal(validator.version, "3.1");
});

test("every pattern in the document is a flag-free regular expression that compiles with the u flag", () => {
  const found = patternsIn(doc);
  assert.ok(
    found.some((p) => p.at.endsWith("/EventInput/properties/event_uuid/pattern")),
    `the event_uuid pattern is among ${JSON.stringify(found)}`,
  );
  for (const { at, pattern } of found) {
    assert.doesNotThrow(() => new RegExp(pattern, "u"), `${at}: ${pattern}`);
    assert.doesNotMatch(pattern, /(?<!\\)\/[dgimsuvy]+$/, `${at} ends in regex flags, which a pattern can't carry: ${pattern}`);
  }
});

test("single events: the document accepts what the service accepts, uuids in either case", async () => {
  await checkBodies("/api/v1/event", [
    ["lower-case event_uuid", { event: "purchase", customer_id: "c-1", event_uuid: UUID, amount: 3 }, true],
    ["upper-case event_uuid", { event: "purchase", customer_id: "c-1", event_uuid: UUID.toUpperCase() }, true],
    ["no event_uuid, every field", { event: "view", email: "a@example.com", product_ids: ["p1"], timestamp: "2024-02-02T04:19:42Z" }, true],
    ["event_uuid not a uuid", { event: "purchase", customer_id: "c-1", event_uuid: "not-a-uuid" }, false],
    ["event_uuid a uuid with more after it", { event: "purchase", customer_id: "c-1", event_uuid: `${UUID}0` }, false],
    ["event_uuid a number", { event: "purchase", customer_id: "c-1", event_uuid: 7 }, false],
    ["no event", { customer_id: "c-1" }, false],
    ["empty event name", { event: "", customer_id: "c-1" }, false],
  ]);
});

test("bulk events: the document accepts what the service accepts", async () => {
  const event = (i) => ({ event: "bulk", customer_id: `c-${i}`, ...(i % 2 ? { event_uuid: `${UUID.slice(0, -1)}${i}`.toUpperCase() } : {}) });
  await checkBodies("/api/v1/bulkevents", [
    ["three events", { events: [0, 1, 2].map(event) }, true],
    ["no events", { events: [] }, false],
    ["events not an array", { events: event(0) }, false],
    ["an item with a broken event_uuid", { events: [event(0), { event: "bulk", customer_id: "c", event_uuid: "xyz" }] }, false],
  ]);
});

test("import tasks: the document accepts what the service accepts", async () => {
  const s3 = { type: "s3", bucket: "b", region: "us-east-1", access_key_id: "AKIA", secret_access_key: "secret" };
  const { bucket: _, ...withoutBucket } = s3;
  await checkBodies("/api/v1/imports", [
    ["an upload task", { name: "upload", source: { type: "upload" }, default_event: "imported" }, true],
    [
      "a daily S3 task with a mapping",
      { name: "s3", source: s3, schedule: { frequency: "daily" }, mapping: { email: "email", total: { field: "total", type: "decimal" } } },
      true,
    ],
    ["no name", { source: { type: "upload" } }, false],
    ["an unknown source type", { name: "ftp", source: { type: "ftp" } }, false],
    ["an S3 source without its bucket", { name: "s3", source: withoutBucket }, false],
    ["an unknown frequency", { name: "s3", source: s3, schedule: { frequency: "monthly" } }, false],
  ]);
});
