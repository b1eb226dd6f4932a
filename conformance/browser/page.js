// The browser side of conformance/browsers.py. The page fetches its plan from the page origin, runs
// each test against the target origin with fetch(), and posts what the engine did back. The top page
// runs the tests whose request origin is a normal one, then opens /sandbox (served with
// `Content-Security-Policy: sandbox allow-scripts`, an opaque origin that sends `Origin: null`) for
// the tests whose vector origin is `null`.
"use strict";

const PAGE = document.currentScript.dataset.page;   // the page origin's URL (also reachable from the sandbox)
const GROUP = document.currentScript.dataset.group; // "normal" or "null"
const PER_REQUEST_MS = 10000;

async function attempt(url, init) {
  try {
    const response = await fetch(url, Object.assign({signal: AbortSignal.timeout(PER_REQUEST_MS)}, init));
    return {resolved: true, status: response.status, names: Array.from(response.headers.keys())};
  } catch (e) {
    return {resolved: false, error: String(e && e.name) + ": " + String(e && e.message)};
  }
}

// One test: the request, then (when it failed) a no-cors request to the same bytes, which tells a
// network error (it fails too) from a CORS failure (it resolves to an opaque response); then (for a
// preflight that passed) the same request again, to see at the server whether the preflight was reused.
async function runTest(t) {
  const init = {mode: "cors", credentials: t.credentials, method: t.method};
  if (t.headers.length) init.headers = t.headers;
  const out = {key: t.key, first: await attempt(t.url, init)};
  if (!out.first.resolved) out.probe = await attempt(t.probe, {mode: "no-cors", credentials: t.credentials});
  if (out.first.resolved && t.again) out.second = await attempt(t.url, init);
  return out;
}

async function post(path, body) {
  // A simple no-cors POST: it needs no CORS answer, so the opaque sandbox can report too.
  await fetch(PAGE + path, {method: "POST", mode: "no-cors", body: JSON.stringify(body),
                            headers: {"Content-Type": "text/plain"}});
}

async function main() {
  let results = [], failure = null;
  try {
    const plan = await (await fetch(PAGE + "/plan?group=" + GROUP, {cache: "no-store"})).json();
    // A first preflighted request that is no test: a fresh Firefox profile was once seen not to reuse
    // the very first preflight result of its life.
    if (plan.length) {
      const warm = {mode: "cors", method: "PUT", headers: [["X-Warm-Up", "1"]]};
      await attempt(plan[0].warmup, warm);
      await attempt(plan[0].warmup, warm);
    }
    for (const t of plan) results.push(await runTest(t));
  } catch (e) {
    failure = String(e && e.stack || e);
  }
  await post("/results?group=" + GROUP, {userAgent: navigator.userAgent, origin: self.origin, results, failure});
  if (GROUP === "normal") {
    const frame = document.createElement("iframe");
    frame.src = PAGE + "/sandbox";
    document.body.appendChild(frame);
  }
}

main();
