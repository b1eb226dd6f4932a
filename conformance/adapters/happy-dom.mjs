// Conformance adapter for happy-dom's fetch() (conformance/adapters/README.md): the response-side ops
// (exposed, cors-check, preflight) run for real, as fetch() calls from a happy-dom window on one
// loopback origin to a local server on another that answers with the vector's exact bytes
// (lib/network.mjs). A preflight answer has `ok` only: a partial result. Every other op is unsupported.
import {Window} from "happy-dom";
import {serve, Unsupported} from "./lib/protocol.mjs";
import {Fixture, plan, result} from "./lib/network.mjs";

const fixture = await new Fixture().start();
const settings = {disableCSSFileLoading: true, disableJavaScriptFileLoading: true, disableIframePageLoading: true};
const pages = {
  normal: new Window({url: fixture.page.url + "/", settings}),
  opaque: new Window({url: "about:blank", settings}),
};

async function attempt(window, method, url, credentials, headers, mode = "cors") {
  try {
    const response = await window.fetch(url, {method, credentials, headers, mode, signal: AbortSignal.timeout(10000)});
    return {ok: true, names: [...response.headers.keys()]};
  } catch (e) {
    return {ok: false, error: String(e)};
  }
}

async function answer(c) {
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
  const first = await attempt(page, test.method, url, test.credentials, test.requestHeaders);
  const check = first.ok ? null : await attempt(pages.normal, "GET", probe, "omit", [], "same-origin");
  return result(test, first, check);
}

await serve(answer);
fixture.close();
for (const window of Object.values(pages)) await window.happyDOM.close();
