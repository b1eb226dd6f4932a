// Conformance adapter for jsdom's XMLHttpRequest (conformance/adapters/README.md): the response-side
// ops (exposed, cors-check, preflight) run for real, as XHRs from a jsdom document on one loopback
// origin to a local server on another that answers with the vector's exact bytes (lib/network.mjs).
// A preflight answer has `ok` only (XHR cannot tell how long a result is cached): a partial result.
// Every other op is unsupported.
import {JSDOM} from "jsdom";
import {serve} from "./lib/protocol.mjs";
import {Fixture, runCase} from "./lib/network.mjs";

const fixture = await new Fixture().start();
const pages = {
  normal: new JSDOM("", {url: fixture.page.url + "/"}).window,
  opaque: new JSDOM("", {url: "about:blank"}).window,   // its origin is opaque: it sends `Origin: null`
};

function xhr(window, method, url, credentials, headers) {
  return new Promise((resolve) => {
    const request = new window.XMLHttpRequest();
    try {
      request.open(method, url, true);
      request.withCredentials = credentials === "include";
      for (const [name, value] of headers) request.setRequestHeader(name, value);
      request.timeout = 10000;
    } catch (e) {
      resolve({ok: false, threw: String(e)});
      return;
    }
    request.onload = () => resolve({ok: true, names: request.getAllResponseHeaders().split("\r\n").filter(Boolean)
      .map((line) => line.slice(0, line.indexOf(":")))});
    request.onerror = request.ontimeout = request.onabort = () => resolve({ok: false});
    request.send();
  });
}

const answer = (c) => runCase(c, fixture, pages, xhr);

await serve(answer);
fixture.close();
for (const window of Object.values(pages)) window.close();
