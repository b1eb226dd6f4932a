// Running a response-side vector (exposed, cors-check, preflight) through a client that speaks HTTP,
// as conformance/browsers.py does for browsers (CHECKING.md): two loopback origins, the *page* (the
// client's document origin) and the *target*, which answers each test URL with the vector's exact
// response bytes (each field line as name ":" value CRLF). The one rewrite: the vector's origin is
// replaced by the page's inside Access-Control-Allow-Origin values. For `exposed` the harness makes the
// CORS check pass (the op assumes it did): an Access-Control-Allow-Origin is added or set to the page's
// origin, and Access-Control-Allow-Credentials: true with credentials "include"; names it added are
// left out of the readable list. The page origin also serves the same bytes at /p/N: a same-origin
// request there has no CORS check, so when it fails too the response is a network error.
import net from "node:net";
import {Unsupported} from "./protocol.mjs";

const STATUS_TEXT = {200: "OK", 204: "No Content", 404: "Not Found"};
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FORBIDDEN_NAMES = new Set(["accept-charset", "accept-encoding", "access-control-request-headers",
  "access-control-request-method", "connection", "content-length", "cookie", "cookie2", "date", "dnt",
  "expect", "host", "keep-alive", "origin", "referer", "set-cookie", "te", "trailer", "transfer-encoding",
  "upgrade", "via"]);
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);
const NORMALIZED = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);
const SAFELISTED = new Set(["GET", "HEAD", "POST"]);

export function responseBytes(status, headers, body = "") {
  let text = `HTTP/1.1 ${status} ${STATUS_TEXT[status] || "Status"}\r\n`;
  for (const [name, value] of headers) text += `${name}:${value}\r\n`;
  return Buffer.from(text + "\r\n" + body, "latin1");
}

function bodyFor(headers) {
  const lengths = headers.filter(([n]) => n.toLowerCase() === "content-length").map(([, v]) => v.replace(/^[ \t]+|[ \t]+$/g, ""));
  return lengths.length === 1 && /^[0-9]+$/.test(lengths[0]) && Number(lengths[0]) <= 1 << 20 ? "x".repeat(Number(lengths[0])) : "";
}

const trim = (v) => v.replace(/^[ \t]+|[ \t]+$/g, "");

// The value a page sets for a request header so that it is CORS-unsafe (listed in the preflight).
function unsafeValue(name) {
  return ["accept", "accept-language", "content-language"].includes(name.toLowerCase()) ? '"' : "1";
}

// A test for a vector, or throws a string saying why a network client cannot run it.
export function plan(c, pageOrigin) {
  const input = c.input;
  let headers = input.headers.map(([n, v]) => [n, v]);
  const credentials = input.credentials;
  if (c.op === "exposed") {
    const added = new Set();
    const acao = headers.map(([n], i) => (n.toLowerCase() === "access-control-allow-origin" ? i : -1)).filter((i) => i >= 0);
    if (acao.length > 1) throw "two Access-Control-Allow-Origin lines fail the CORS check that the op assumes passed";
    if (acao.length === 1) {
      const i = acao[0];
      if (trim(headers[i][1]) !== "*" || credentials === "include") headers[i] = [headers[i][0], pageOrigin];
    } else {
      headers.push(["Access-Control-Allow-Origin", pageOrigin]);
      added.add("access-control-allow-origin");
    }
    if (credentials === "include") {
      const acac = headers.filter(([n]) => n.toLowerCase() === "access-control-allow-credentials").map(([, v]) => trim(v));
      if (acac.length === 0) {
        headers.push(["Access-Control-Allow-Credentials", "true"]);
        added.add("access-control-allow-credentials");
      } else if (acac.length !== 1 || acac[0] !== "true") {
        throw "its Access-Control-Allow-Credentials fails the CORS check that the op assumes passed";
      }
    }
    return {op: c.op, nullOrigin: false, credentials, method: "GET", requestHeaders: [], added,
            response: responseBytes(200, headers, bodyFor(headers)), main: null};
  }
  const origin = input.origin;
  const nullOrigin = origin === "null";
  if (!nullOrigin) {
    headers = headers.map(([n, v]) => [n, n.toLowerCase() === "access-control-allow-origin" ? v.split(origin).join(pageOrigin) : v]);
  }
  if (c.op === "cors-check") {
    return {op: c.op, nullOrigin, credentials, method: "GET", requestHeaders: [], added: new Set(),
            response: responseBytes(200, headers, bodyFor(headers)), main: null};
  }
  const method = input.method;
  if (!TCHAR.test(method)) throw "its method is not a token: a page cannot send it";
  if (FORBIDDEN_METHODS.has(method.toUpperCase())) throw "its method is a forbidden method: a page cannot send it";
  const requestHeaders = [];
  for (const name of input.request_headers) {
    if (!TCHAR.test(name)) throw `request header ${JSON.stringify(name)} is not a header name`;
    const lower = name.toLowerCase();
    if (FORBIDDEN_NAMES.has(lower) || lower.startsWith("proxy-") || lower.startsWith("sec-")) {
      throw `request header ${JSON.stringify(name)} is a forbidden request-header: a page cannot set it`;
    }
    requestHeaders.push([name, unsafeValue(name)]);
  }
  const normalized = NORMALIZED.has(method.toUpperCase()) ? method.toUpperCase() : method;
  if (SAFELISTED.has(normalized) && requestHeaders.length === 0) {
    throw "a client sends no preflight for this request (safelisted method, no request headers)";
  }
  const main = [["Access-Control-Allow-Origin", nullOrigin ? "null" : pageOrigin], ["Content-Length", "0"]];
  if (credentials === "include") main.push(["Access-Control-Allow-Credentials", "true"]);
  return {op: c.op, nullOrigin, credentials, method, requestHeaders, added: new Set(), status: input.status,
          response: responseBytes(input.status, headers, bodyFor(headers)), main: responseBytes(200, main)};
}

// One listening socket on 127.0.0.1 answering fixed bytes per path and logging every request.
class Origin {
  constructor() {
    this.routes = new Map();   // path -> {main, preflight}
    this.log = new Map();      // path -> [{method, headers}]
    this.server = net.createServer((socket) => this.#connection(socket));
  }

  async listen() {
    await new Promise((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    return this;
  }

  #connection(socket) {
    let data = Buffer.alloc(0);
    socket.setTimeout(10000, () => socket.destroy());
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf("\r\n\r\n");
      if (end < 0) {
        if (data.length > 65536) socket.destroy();
        return;
      }
      socket.removeAllListeners("data");
      socket.on("data", () => {});
      const lines = data.subarray(0, end).toString("latin1").split("\r\n");
      const [method, target] = lines[0].split(" ");
      const headers = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(":");
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = trim(line.slice(colon + 1));
      }
      const path = (target || "").split("?")[0];
      if (!this.log.has(path)) this.log.set(path, []);
      this.log.get(path).push({method, headers});
      const route = this.routes.get(path);
      let bytes = responseBytes(404, [["Content-Length", "0"]]);
      if (route) bytes = method === "OPTIONS" && "access-control-request-method" in headers && route.preflight ? route.preflight : route.main;
      socket.end(bytes);
    });
  }

  requests(path) {
    return this.log.get(path) || [];
  }

  close() {
    this.server.close();
  }
}

// The page and target origins, and a counter for unique paths (preflight caches key on the URL).
export class Fixture {
  async start() {
    this.page = await new Origin().listen();
    this.target = await new Origin().listen();
    this.count = 0;
    return this;
  }

  // Routes for a planned test: {url, probe} (absolute URLs) and the path whose requests are logged.
  add(test) {
    const n = this.count++;
    const path = `/t/${n}`;
    this.target.routes.set(path, test.main ? {main: test.main, preflight: test.response} : {main: test.response});
    this.page.routes.set(`/p/${n}`, {main: test.response});
    return {url: this.target.url + path, probe: `${this.page.url}/p/${n}`, path};
  }

  preflights(path) {
    return this.target.requests(path).filter((r) => r.method === "OPTIONS" && "access-control-request-method" in r.headers).length;
  }

  close() {
    this.page.close();
    this.target.close();
  }
}

// One response-side case through a client's pages ({normal, opaque}: the opaque one sends `Origin: null`).
// send(window, method, url, credentials, headers, sameOrigin) makes one request and resolves to
// {ok, names} or {ok: false}; sameOrigin marks the check at the page's /p/N. A case the plan cannot
// express is unsupported, with its reason.
export async function runCase(c, fixture, pages, send) {
  if (!["exposed", "cors-check", "preflight"].includes(c.op)) throw new Unsupported();
  let test;
  try {
    test = plan(c, fixture.page.url);
  } catch (why) {
    if (typeof why === "string") throw new Unsupported(why);
    throw why;
  }
  const {url, probe} = fixture.add(test);
  const page = test.nullOrigin ? pages.opaque : pages.normal;
  const first = await send(page, test.method, url, test.credentials, test.requestHeaders, false);
  const check = first.ok ? null : await send(pages.normal, "GET", probe, "omit", [], true);
  return result(test, first, check);
}

// The result of a network test from what the client did: `first` and `probe` are {ok, names}.
export function result(test, first, probe) {
  if (!first.ok) {
    // A preflight fails on its status before its header list matters; a 1xx or 407 answer is also a
    // network error at the HTTP layer (interim response; proxy challenge), as in Fetch.
    if (test.op === "preflight" && !(test.status >= 200 && test.status <= 299)) return {ok: false};
    if (!probe.ok) return {network_error: true};
    return test.op === "exposed" ? {cors_check_failed: true} : {ok: false};
  }
  if (test.op === "exposed") {
    const names = [...new Set(first.names.map((n) => n.toLowerCase()))].filter((n) => !test.added.has(n));
    return {readable: names.sort()};
  }
  return {ok: true};
}
