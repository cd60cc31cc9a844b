import { OpenAPIHono, z } from "@hono/zod-openapi";
import { createAccount } from "../../accounts/keys";
import { database } from "../../db/client";
import type { AppEnv } from "../app-env";
import { requireAdmin } from "../auth";
import { problemResponse, route } from "../openapi";
import { jsonBody } from "../validate";

const NewAccountInput = z
  .object({ name: z.string({ error: "must be a string" }).trim().min(1, "must not be empty").max(200, "must be at most 200 characters") })
  .openapi("NewAccountInput");

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
    const { name } = await jsonBody(c.req.raw, NewAccountInput);
    const account = await createAccount(database(c.env.DB), name, new Date());
    return c.json(account, 201);
  },
);
