import { OpenAPIHono, z } from "@hono/zod-openapi";
import { readAccount, setRetention, splitAccount } from "../../accounts/accounts";
import { createAccount } from "../../accounts/keys";
import { database } from "../../db/client";
import { isShardCount, MAX_SHARDS } from "../../events/shards/shard-of";
import { Problem } from "../../lib/problem";
import type { AppEnv } from "../app-env";
import { requireAdmin } from "../auth";
import { problemResponse, route } from "../openapi";
import { jsonBody } from "../validate";

const ShardCount = z
  .number({ error: "must be a number" })
  .refine(isShardCount, `must be a power of two from 1 to ${MAX_SHARDS}`)
  .openapi({ description: `How many shards hold the account's events: a power of two from 1 to ${MAX_SHARDS}` });

const NewAccountInput = z
  .object({
    name: z.string({ error: "must be a string" }).trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
    event_shards: ShardCount.default(1),
  })
  .openapi("NewAccountInput");

const AccountOut = z
  .object({
    account_id: z.string(),
    name: z.string(),
    created_at: z.string(),
    event_shards: z.number().int(),
    shards_status: z.enum(["ready", "splitting"]),
    retention_days: z.number().int().nullable(),
  })
  .openapi("Account");

const RetentionDays = z
  .number({ error: "must be a whole number of days from 1 to 3650, or null" })
  .int("must be a whole number of days from 1 to 3650, or null")
  .min(1, "must be a whole number of days from 1 to 3650, or null")
  .max(3650, "must be a whole number of days from 1 to 3650, or null")
  .nullable()
  .openapi({ description: "Delete events whose timestamp is more than this many days before a scheduler tick; null keeps them forever" });

const AccountPatch = z
  .object({ event_shards: ShardCount.optional(), retention_days: RetentionDays.optional() })
  .refine((p) => p.event_shards !== undefined || p.retention_days !== undefined, {
    message: "must name event_shards or retention_days",
    path: ["event_shards"],
  })
  .openapi("AccountPatch");

const AccountId = z.object({ id: z.string().openapi({ description: "The account's id" }) });

const NewAccount = z.object({ account_id: z.string(), name: z.string(), event_api_key: z.string(), user_api_key: z.string() }).openapi("NewAccount");

export const accountRoutes = new OpenAPIHono<AppEnv>();

route(
  accountRoutes,
  {
    method: "post",
    path: "/accounts",
    summary: "Create an account and its two API keys (shown only in this response)",
    tags: ["Accounts"],
    security: [{ adminToken: [] }],
    request: { body: { required: true, content: { "application/json": { schema: NewAccountInput } } } },
    responses: {
      201: { description: "Created", content: { "application/json": { schema: NewAccount } } },
      401: problemResponse("Missing or wrong admin token"),
      422: problemResponse("Invalid body"),
    },
  },
  requireAdmin,
  async (c) => {
    const { name, event_shards } = await jsonBody(c.req.raw, NewAccountInput);
    const account = await createAccount(database(c.env.DB), name, event_shards, new Date());
    return c.json(account, 201);
  },
);

route(
  accountRoutes,
  {
    method: "get",
    path: "/accounts/{id}",
    summary: "Read an account: its shard count and whether a split is running",
    tags: ["Accounts"],
    security: [{ adminToken: [] }],
    request: { params: AccountId },
    responses: {
      200: { description: "The account", content: { "application/json": { schema: AccountOut } } },
      401: problemResponse("Missing or wrong admin token"),
      404: problemResponse("No such account"),
    },
  },
  requireAdmin,
  async (c) => {
    const id = c.req.param("id")!;
    const account = await readAccount(database(c.env.DB), id);
    if (!account) throw new Problem(404, `No account ${id}`);
    return c.json(account, 200);
  },
);

route(
  accountRoutes,
  {
    method: "patch",
    path: "/accounts/{id}",
    summary: "Change the account: its retention, or split its events over more shards, online (the scheduler tick moves them)",
    tags: ["Accounts"],
    security: [{ adminToken: [] }],
    request: { params: AccountId, body: { required: true, content: { "application/json": { schema: AccountPatch } } } },
    responses: {
      200: { description: "The retention is set", content: { "application/json": { schema: AccountOut } } },
      202: { description: "The split has started (and the retention is set, if named too)", content: { "application/json": { schema: AccountOut } } },
      401: problemResponse("Missing or wrong admin token"),
      404: problemResponse("No such account"),
      409: problemResponse("A split is still running"),
      422: problemResponse("Not a larger power of two up to 256, or not a retention of 1–3650 days or null"),
    },
  },
  requireAdmin,
  async (c) => {
    const { event_shards, retention_days } = await jsonBody(c.req.raw, AccountPatch);
    const db = database(c.env.DB);
    const id = c.req.param("id")!;
    // A split is checked (and refused) first, so a refused PATCH changes nothing.
    const split = event_shards === undefined ? null : await splitAccount(db, id, event_shards);
    const account = retention_days === undefined ? split! : await setRetention(db, id, retention_days);
    return c.json(account, split ? 202 : 200);
  },
);
