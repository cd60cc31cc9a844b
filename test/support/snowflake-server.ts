// A local Snowflake SQL API v2 server for the tests, following Snowflake's SQL API documentation:
// key-pair JWT verified (RS256 signature, iss/sub, fingerprint, lifetime), required headers,
// 202 then 200, partitions ≥ 1 gzip-compressed without metadata, requestId deduplication with
// retry=true, lowercase rowType and string cells. Tests script datasets and faults over /_test.
import { createHash, createVerify, generateKeyPairSync, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";

export interface Dataset {
  rowType: { name: string; type: string; scale?: number }[];
  rows: (string | null)[][];
  partitionSize: number;
  faults?: { polls?: number; post429?: number; post500AfterExecute?: number; partition500?: number };
}

interface Statement {
  handle: string;
  dataset: string;
  rows: (string | null)[][];
  rowType: Dataset["rowType"];
  partitionSize: number;
  pollsLeft: number;
}

const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
};

export function startSnowflakeServer() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const spki = publicKey.export({ type: "spki", format: "der" });
  const fingerprint = `SHA256:${createHash("sha256").update(spki).digest("base64")}`;
  const datasets = new Map<string, Dataset>();
  const executions = new Map<string, number>();
  const bindingsSeen = new Map<string, unknown[]>();
  const byRequest = new Map<string, Statement>();
  const byHandle = new Map<string, Statement>();
  const faultsUsed = new Map<string, number>();
  const fault = (name: string, key: keyof NonNullable<Dataset["faults"]>) => {
    const budget = datasets.get(name)?.faults?.[key] ?? 0;
    const used = faultsUsed.get(`${name}:${key}`) ?? 0;
    if (used >= budget) return false;
    faultsUsed.set(`${name}:${key}`, used + 1);
    return true;
  };

  /** Verifies the bearer JWT as Snowflake does; returns an error message or null. */
  function authError(req: http.IncomingMessage): string | null {
    if (req.headers["x-snowflake-authorization-token-type"] !== "KEYPAIR_JWT") return "token type header missing";
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!token) return "no bearer token";
    const [h, p, sig] = token.split(".");
    if (!h || !p || !sig) return "malformed JWT";
    const header = JSON.parse(Buffer.from(h, "base64url").toString());
    if (header.alg !== "RS256") return "alg must be RS256";
    const ok = createVerify("RSA-SHA256").update(`${h}.${p}`).verify(publicKey, Buffer.from(sig, "base64url"));
    if (!ok) return "bad signature";
    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    if (claims.sub !== "TESTACCT.LOADER") return `sub ${claims.sub} is not ACCOUNT.USER in upper case`;
    if (claims.iss !== `TESTACCT.LOADER.${fingerprint}`) return "iss does not name the key's fingerprint";
    const now = Math.floor(Date.now() / 1000);
    if (!(claims.exp > now) || claims.exp - claims.iat > 3600) return "expired or lifetime over one hour";
    return null;
  }

  function resultBody(st: Statement, requestId: string) {
    const first = st.rows.slice(0, st.partitionSize);
    const partitions = Math.max(1, Math.ceil(st.rows.length / st.partitionSize));
    return {
      resultSetMetaData: {
        numRows: st.rows.length,
        format: "jsonv2",
        partitionInfo: Array.from({ length: partitions }, (_, i) => ({
          rowCount: st.rows.slice(i * st.partitionSize, (i + 1) * st.partitionSize).length,
          uncompressedSize: 1,
        })),
        rowType: st.rowType.map((c) => ({
          name: c.name,
          type: c.type.toLowerCase(),
          scale: c.scale ?? 0,
          nullable: true,
          database: "",
          schema: "",
          table: "",
        })),
      },
      data: first,
      code: "090001",
      sqlState: "00000",
      message: "Statement executed successfully.",
      statementHandle: st.handle,
      statementStatusUrl: `/api/v2/statements/${st.handle}?requestId=${requestId}`,
      requestId,
      createdOn: Date.now(),
    };
  }

  /** The tiny SQL this server understands: `select * from NAME`, optionally wrapped by the watermark filter. */
  function run(statement: string, bindings: Record<string, { type: string; value: string }> | undefined): Statement | { error: [number, string, string] } {
    const wrapped = /^SELECT \* FROM \((.*)\) AS q WHERE q\.(\w+) > \?$/is.exec(statement);
    const inner = wrapped ? wrapped[1]! : statement;
    const name = /^\s*select \* from (\w+)\s*;?\s*$/i.exec(inner)?.[1]?.toLowerCase();
    const ds = name ? datasets.get(name) : undefined;
    if (!name || !ds) return { error: [422, "002003", `SQL compilation error:\nObject '${name ?? "?"}' does not exist or not authorized.`] };
    executions.set(name, (executions.get(name) ?? 0) + 1);
    bindingsSeen.set(name, [...(bindingsSeen.get(name) ?? []), bindings ?? null]);
    let rows = ds.rows;
    if (wrapped) {
      const b = bindings?.["1"];
      if (!b || typeof b.value !== "string") return { error: [422, "100037", "Bind variable ? not set."] };
      const col = ds.rowType.findIndex((c) => c.name.toLowerCase() === wrapped[2]!.toLowerCase());
      const type = ds.rowType[col]!.type.toLowerCase();
      const key = (cell: string) =>
        type.startsWith("timestamp") ? BigInt(cell.split(" ")[0]!.replace(".", "").padEnd(20, "0").slice(0, 19)) : type === "fixed" ? BigInt(cell) : cell;
      const bound = type.startsWith("timestamp") ? BigInt(b.value.split(" ")[0]!) : type === "fixed" ? BigInt(b.value) : b.value;
      rows = rows.filter((r) => r[col] !== null && key(r[col]!) > bound);
    }
    return { handle: randomUUID(), dataset: name, rows, rowType: ds.rowType, partitionSize: ds.partitionSize, pollsLeft: ds.faults?.polls ?? 0 };
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();

    if (url.pathname === "/_test/dataset" && req.method === "POST") {
      const { name, ...ds } = JSON.parse(body) as Dataset & { name: string };
      datasets.set(name.toLowerCase(), ds);
      return json(res, 200, { ok: true });
    }
    if (url.pathname === "/_test/stats") {
      const name = url.searchParams.get("name")!.toLowerCase();
      return json(res, 200, { executions: executions.get(name) ?? 0, bindings: bindingsSeen.get(name) ?? [] });
    }

    if (!req.headers["user-agent"]) return json(res, 400, { code: "391903", message: "User-Agent header is required." });
    if (!/application\/json|\*\/\*/.test(req.headers.accept ?? "")) return json(res, 422, { code: "390142", message: "Accept must be application/json." });
    const auth = authError(req);
    if (auth) return json(res, 401, { code: "390144", message: `JWT token is invalid. [${auth}]` });

    if (url.pathname === "/api/v2/statements" && req.method === "POST") {
      if (req.headers["content-type"] !== "application/json") return json(res, 415, { code: "390142", message: "Unsupported media type." });
      const requestId = url.searchParams.get("requestId");
      if (!requestId) return json(res, 400, { code: "390142", message: "requestId is required here." });
      let payload: { statement?: string; bindings?: Record<string, { type: string; value: string }>; warehouse?: string };
      try {
        payload = JSON.parse(body);
      } catch {
        return json(res, 400, { code: "390142", message: "Incoming request does not contain a valid payload." });
      }
      if (!payload.statement || !payload.warehouse) return json(res, 400, { code: "390142", message: "Incoming request does not contain a valid payload." });
      const name = /from (\w+)/i.exec(payload.statement)?.[1]?.toLowerCase() ?? "";
      const known = byRequest.get(requestId);
      if (known) {
        if (url.searchParams.get("retry") !== "true") return json(res, 422, { code: "000709", message: "Duplicate requestId without retry=true." });
        return json(res, 200, resultBody(known, requestId));
      }
      if (fault(name, "post429")) return json(res, 429, { code: "390505", message: "Too many requests." });
      const st = run(payload.statement, payload.bindings);
      if ("error" in st) return json(res, st.error[0], { code: st.error[1], message: st.error[2], sqlState: "42S02" });
      byRequest.set(requestId, st);
      byHandle.set(st.handle, st);
      // The statement ran, but the answer is lost: the client must resubmit with retry=true.
      if (fault(name, "post500AfterExecute")) return json(res, 500, { code: "000603", message: "Internal error." });
      if (st.pollsLeft > 0) {
        return json(res, 202, {
          code: "333334",
          message: "Asynchronous execution in progress.",
          statementHandle: st.handle,
          statementStatusUrl: `/api/v2/statements/${st.handle}?requestId=${requestId}`,
        });
      }
      return json(res, 200, resultBody(st, requestId));
    }

    const m = /^\/api\/v2\/statements\/([\w-]+)$/.exec(url.pathname);
    if (m && req.method === "GET") {
      const st = byHandle.get(m[1]!);
      if (!st) return json(res, 422, { code: "000709", message: "Statement not found." });
      const partition = Number(url.searchParams.get("partition") ?? "0");
      if (st.pollsLeft > 0) {
        st.pollsLeft--;
        return json(res, 202, {
          code: "333334",
          message: "Asynchronous execution in progress.",
          statementHandle: st.handle,
          statementStatusUrl: `/api/v2/statements/${st.handle}`,
        });
      }
      if (partition === 0) return json(res, 200, resultBody(st, url.searchParams.get("requestId") ?? ""));
      const partitions = Math.ceil(st.rows.length / st.partitionSize);
      if (partition >= partitions) return json(res, 422, { code: "000709", message: "Partition out of range." });
      if (fault(st.dataset, "partition500")) return json(res, 500, { code: "000603", message: "Internal error." });
      const data = gzipSync(JSON.stringify({ data: st.rows.slice(partition * st.partitionSize, (partition + 1) * st.partitionSize) }));
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      return res.end(data);
    }
    json(res, 404, { code: "390404", message: "Not found." });
  });
  return new Promise<{ port: number; pem: string; close: () => void }>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ port: (server.address() as AddressInfo).port, pem, close: () => server.close() })),
  );
}
