import { OpenAPIHono, z } from "@hono/zod-openapi";
import { readAccount, splitAccount } from "../../accounts/accounts";
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
  })
  .openapi("Account");

const AccountPatch = z.object({ event_shards: ShardCount }).openapi("AccountPatch");

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
    summary: "Split the account's events over more shards, online (the scheduler tick moves them)",
    tags: ["Accounts"],
    security: [{ adminToken: [] }],
    request: { params: AccountId, body: { required: true, content: { "application/json": { schema: AccountPatch } } } },
    responses: {
      202: { description: "The split has started", content: { "application/json": { schema: AccountOut } } },
      401: problemResponse("Missing or wrong admin token"),
      404: problemResponse("No such account"),
      409: problemResponse("A split is still running"),
      422: problemResponse("Not a larger power of two up to 256"),
    },
  },
  requireAdmin,
  async (c) => {
    const { event_shards } = await jsonBody(c.req.raw, AccountPatch);
    const account = await splitAccount(database(c.env.DB), c.req.param("id")!, event_shards);
    return c.json(account, 202);
  },
);
