// The adapter protocol (conformance/PROTOCOL.md) for Node adapters: JSON Lines in on stdin, one reply
// per line out on stdout, in order, flushed; a bad line gets an `error` reply and the run goes on.
// `answer(case)` returns the op's result object, or throws Unsupported (an op or a case the adapter
// cannot run), or throws anything else (an `error` reply).
import readline from "node:readline";

export class Unsupported extends Error {}

// Strings in vectors stand for bytes, one code point U+0000..U+00FF each.
export function checkBytes(value, what) {
  if (typeof value !== "string" || /[^\u0000-\u00ff]/.test(value)) throw new Error(`${what}: not a byte string`);
  return value;
}

export async function serve(answer) {
  const lines = readline.createInterface({input: process.stdin, crlfDelay: Infinity, terminal: false});
  for await (const line of lines) {
    let reply;
    let c = null;
    try {
      c = JSON.parse(line);
      if (c === null || typeof c !== "object" || typeof c.id !== "string") throw new Error("not a case object");
      if (typeof c.op !== "string" || typeof c.input !== "object" || c.input === null) throw new Error("case needs op and input");
      reply = {id: c.id, result: await answer(c)};
    } catch (e) {
      const id = c && typeof c.id === "string" ? c.id : null;
      if (e instanceof Unsupported) reply = {id, unsupported: true, ...(e.message ? {why: e.message} : {})};
      else reply = {id, error: String(e && e.message || e)};
    }
    if (!process.stdout.write(JSON.stringify(reply) + "\n")) await new Promise((r) => process.stdout.once("drain", r));
  }
}
