import { describe, expect, it } from "vitest";
import { SseParser, backoffMs } from "../../src/sse";

describe("SseParser", () => {
  it("dispatches an event with its name, id and data at the blank line", () => {
    const p = new SseParser();
    expect(p.feed("id: 3\nevent: task_ended\ndata: {\"a\":1}\n")).toEqual([]);
    expect(p.feed("\n")).toEqual([{ event: "task_ended", data: "{\"a\":1}", id: "3" }]);
    expect(p.lastEventId).toBe("3");
  });

  it("joins several data lines with newlines and defaults the name to message", () => {
    const p = new SseParser();
    expect(p.feed("data: one\ndata: two\n\n")).toEqual([{ event: "message", data: "one\ntwo", id: undefined }]);
  });

  it("reassembles lines split across chunks anywhere, CRLF included", () => {
    const text = "id: 7\r\nevent: execution_ended\r\ndata: {\"seq\":7}\r\n\r\n";
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new SseParser();
      const got = [...p.feed(text.slice(0, cut)), ...p.feed(text.slice(cut))];
      expect(got, `cut at ${cut}`).toEqual([{ event: "execution_ended", data: "{\"seq\":7}", id: "7" }]);
    }
  });

  it("treats a lone CR as a line end", () => {
    const p = new SseParser();
    expect(p.feed("data: x\r\r")).toEqual([{ event: "message", data: "x", id: undefined }]);
  });

  it("ignores comments (keep-alives) and frames without data", () => {
    const p = new SseParser();
    expect(p.feed(":\n\n: keep-alive\n\nevent: ping\n\n")).toEqual([]);
  });

  it("keeps the last id across frames, as a reconnect needs", () => {
    const p = new SseParser();
    const got = p.feed("id: 1\ndata: a\n\ndata: b\n\n");
    expect(got.map((m) => m.id)).toEqual(["1", "1"]);
  });

  it("strips one space after the colon only, and reads a field without a colon", () => {
    const p = new SseParser();
    expect(p.feed("data:  two spaces\ndata\n\n")).toEqual([{ event: "message", data: " two spaces\n", id: undefined }]);
  });

  it("takes retry advice in milliseconds and ignores a bad one", () => {
    const p = new SseParser();
    p.feed("retry: 1500\n");
    expect(p.retryMs).toBe(1500);
    p.feed("retry: soon\n");
    expect(p.retryMs).toBe(1500);
  });
});

describe("backoffMs", () => {
  it("doubles from half a second up to ten", () => {
    expect([0, 1, 2, 3, 4, 5, 10].map(backoffMs)).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });
});
