import { afterEach, describe, expect, it, vi } from "vitest";
import { follow, type SseMessage } from "../../src/sse";

function streamOf(text: string): Response {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode(text));
      c.close();
    },
  });
  return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
}

function headersOf(init: RequestInit | undefined): Record<string, string> {
  return (init?.headers ?? {}) as Record<string, string>;
}

afterEach(() => { vi.unstubAllGlobals(); });

describe("follow", () => {
  it("reconnects after the stream drops, resuming after the last id, with the token", async () => {
    const answers = [streamOf("id: 1\nevent: a\ndata: one\n\n"), streamOf("id: 2\nevent: b\ndata: two\n\n")];
    const calls: RequestInit[] = [];
    vi.stubGlobal("fetch", vi.fn((_url: string, init?: RequestInit) => {
      calls.push(init ?? {});
      return Promise.resolve(answers.shift() ?? streamOf(""));
    }));
    const got: SseMessage[] = [];
    const statuses: boolean[] = [];
    let done = false;
    const f = follow({
      url: "/v1/x", headers: () => ({ Authorization: "Bearer t" }),
      onMessage: (m) => { got.push(m); if (m.event === "b") done = true; },
      onStatus: (c) => { statuses.push(c); },
      isDone: () => done,
    });
    await vi.waitFor(() => { expect(got).toHaveLength(2); }, { timeout: 3000 });
    await vi.waitFor(() => { expect(statuses).toEqual([true, false, true, false]); });
    f.close();
    expect(got.map((m) => [m.event, m.data, m.id])).toEqual([["a", "one", "1"], ["b", "two", "2"]]);
    expect(calls).toHaveLength(2);
    expect(headersOf(calls[0])).toEqual({ Accept: "text/event-stream", Authorization: "Bearer t" });
    expect(headersOf(calls[1])["Last-Event-ID"]).toBe("1");
  });

  it("hands a refusal to the caller, who may reset the cursor and go on", async () => {
    const answers = [
      new Response(JSON.stringify({ code: "OUT_OF_RANGE", message: "cursor too old" }), { status: 400 }),
      streamOf("id: 9\ndata: fresh\n\n"),
    ];
    const calls: RequestInit[] = [];
    vi.stubGlobal("fetch", vi.fn((_url: string, init?: RequestInit) => {
      calls.push(init ?? {});
      return Promise.resolve(answers.shift() ?? streamOf(""));
    }));
    const refusals: string[] = [];
    const got: string[] = [];
    const f = follow({
      url: "/v1/x", headers: () => ({}), lastEventId: "old",
      onMessage: (m) => { got.push(m.data); },
      onRefused: (e, r) => { refusals.push(`${e.status} ${e.code} ${e.message}`); r.resetCursor(); return true; },
      isDone: () => got.length > 0,
    });
    await vi.waitFor(() => { expect(got).toEqual(["fresh"]); }, { timeout: 3000 });
    f.close();
    expect(refusals).toEqual(["400 OUT_OF_RANGE cursor too old"]);
    expect(headersOf(calls[0])["Last-Event-ID"]).toBe("old");
    expect(headersOf(calls[1])["Last-Event-ID"]).toBeUndefined();
  });

  it("stops at a refusal the caller does not retry", async () => {
    const fetchMock = vi.fn(() => Promise.resolve(new Response(JSON.stringify({ code: "NOT_FOUND", message: "no such execution" }), { status: 404 })));
    vi.stubGlobal("fetch", fetchMock);
    const seen: number[] = [];
    follow({ url: "/v1/x", headers: () => ({}), onMessage: () => undefined, onRefused: (e) => { seen.push(e.status); return false; } });
    await vi.waitFor(() => { expect(seen).toEqual([404]); });
    await new Promise((r) => setTimeout(r, 700));
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });
});
