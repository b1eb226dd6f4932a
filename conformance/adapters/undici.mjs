// Conformance adapter for undici's header code (conformance/adapters/README.md), the Fetch header list
// that Node's own fetch() is built on:
//   token        new Headers([[value, "x"]]) throws unless value is a header name (a token);
//   field-value  isValidHeaderValue (Fetch "header value");
//   combine      Headers filled by append() in wire order, then its header list's get(name) (Fetch "get";
//                Headers.get() would throw for a query name that is not a token, as the API must);
//   split        getDecodeSplit(name, list) on that Headers' list (Fetch "get, decode, and split").
// A header list that Headers refuses (append throws: a name that is not a token, or NUL/CR/LF in a
// value) is a network error. Values are appended as received; Headers normalizes away leading and
// trailing HTTP whitespace (SP, HTAB, CR, LF) first, as the Headers API must. Other ops: unsupported.
import {createRequire} from "node:module";
import {serve, Unsupported, checkBytes} from "./lib/protocol.mjs";

const require = createRequire(import.meta.url);
const {Headers} = require("undici");
const {getHeadersList} = require("undici/lib/web/fetch/headers.js");
const {getDecodeSplit, isValidHeaderValue} = require("undici/lib/web/fetch/util.js");

function headersOf(list) {
  const headers = new Headers();
  for (const [name, value] of list) headers.append(checkBytes(name, "name"), checkBytes(value, "value"));
  return headers;
}

async function answer(c) {
  const input = c.input;
  switch (c.op) {
    case "token":
      try {
        new Headers([[checkBytes(input.value, "value"), "x"]]);
        return {valid: true};
      } catch (e) {
        if (e instanceof TypeError) return {valid: false};
        throw e;
      }
    case "field-value":
      return {valid: isValidHeaderValue(checkBytes(input.value, "value"))};
    case "combine":
    case "split": {
      let headers;
      try {
        headers = headersOf(input.headers);
      } catch (e) {
        if (e instanceof TypeError) return {network_error: true};
        throw e;
      }
      const name = checkBytes(input.name, "name");
      if (c.op === "combine") return {value: getHeadersList(headers).get(name, false)};
      return {values: getDecodeSplit(name.toLowerCase(), getHeadersList(headers))};
    }
    default:
      throw new Unsupported();
  }
}

await serve(answer);
