// Conformance adapter for happy-dom's fetch() (conformance/adapters/README.md): the response-side ops
// (exposed, cors-check, preflight) run for real, as fetch() calls from a happy-dom window on one
// loopback origin to a local server on another that answers with the vector's exact bytes
// (lib/network.mjs). A preflight answer has `ok` only: a partial result. Every other op is unsupported.
import {Window} from "happy-dom";
import {serve} from "./lib/protocol.mjs";
import {Fixture, runCase} from "./lib/network.mjs";

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

const answer = (c) => runCase(c, fixture, pages, (window, method, url, credentials, headers, sameOrigin) =>
  attempt(window, method, url, credentials, headers, sameOrigin ? "same-origin" : "cors"));

await serve(answer);
fixture.close();
for (const window of Object.values(pages)) await window.happyDOM.close();
