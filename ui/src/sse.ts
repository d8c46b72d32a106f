// Server-Sent Events over fetch(): browsers' EventSource cannot send the
// Authorization header, so the stream is read as text and parsed here
// (the WHATWG event-stream rules), reconnecting with the last event id.

/** One dispatched event. */
export interface SseMessage {
  /** The `event:` name; "message" when the frame named none. */
  event: string;
  /** The `data:` lines joined by newlines. */
  data: string;
  /** The last `id:` seen so far on the stream (it carries over frames). */
  id: string | undefined;
}

/**
 * An incremental parser: feed it text as it arrives, in chunks that may
 * split lines anywhere; it returns the events completed by each chunk.
 */
export class SseParser {
  private buffer = "";
  private event = "";
  private data: string[] = [];
  private hasData = false;
  private sawCr = false;
  /** The stream's last event id (the one a reconnect sends). */
  lastEventId: string | undefined;
  /** The server's `retry:` advice in milliseconds, if it gave one. */
  retryMs: number | undefined;

  feed(chunk: string): SseMessage[] {
    const out: SseMessage[] = [];
    let text = chunk;
    // A CR at the end of the last chunk already ended its line: an LF
    // that starts this one belongs to that CRLF.
    if (this.sawCr && text.startsWith("\n")) text = text.slice(1);
    this.sawCr = false;
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== "\n" && c !== "\r") continue;
      const line = this.buffer.slice(start, i);
      if (c === "\r") {
        if (i + 1 < this.buffer.length) {
          if (this.buffer[i + 1] === "\n") i++;
        } else {
          this.sawCr = true;
        }
      }
      start = i + 1;
      const message = this.line(line);
      if (message) out.push(message);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string): SseMessage | undefined {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.event = value;
        break;
      case "data":
        this.data.push(value);
        this.hasData = true;
        break;
      case "id":
        if (!value.includes("\0")) this.lastEventId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break;
    }
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const event = this.event === "" ? "message" : this.event;
    const data = this.data.join("\n");
    const had = this.hasData;
    this.event = "";
    this.data = [];
    this.hasData = false;
    if (!had) return undefined;
    return { event, data, id: this.lastEventId };
  }
}

/** Why a stream's HTTP request was refused. */
export class StreamRefused extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "StreamRefused";
  }
}

/** How to follow a stream. */
export interface FollowOptions {
  /** The stream's URL (path and query). */
  url: string;
  /** Request headers (Authorization) for each (re)connection. */
  headers: () => Record<string, string>;
  /** Resume after this event id (sent as Last-Event-ID). */
  lastEventId?: string | undefined;
  /** Each event. */
  onMessage: (m: SseMessage) => void;
  /** Connected (true) or lost (false): for a live indicator. */
  onStatus?: (connected: boolean) => void;
  /**
   * An HTTP refusal (401, 403, 404, 400 for a cursor too old). Return true
   * to reconnect (from `lastEventId` as it is then), false to stop.
   */
  onRefused?: (e: StreamRefused, follow: { resetCursor: () => void }) => boolean;
  /** Whether a stream that ended by itself is done (false: reconnect). */
  isDone?: () => boolean;
}

/** A stream being followed; close() stops it for good. */
export interface Following {
  close: () => void;
}

/** The delay before the n-th reconnection in a row: 0.5 s doubling to 10 s. */
export function backoffMs(attempt: number): number {
  return Math.min(10_000, 500 * 2 ** Math.max(0, attempt));
}

/** Follows an SSE stream, reconnecting (with the last id) until closed or done. */
export function follow(o: FollowOptions): Following {
  const abort = new AbortController();
  let lastEventId = o.lastEventId;
  let failures = 0;
  const stopped = (): boolean => abort.signal.aborted;
  const run = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      try {
        const headers: Record<string, string> = { Accept: "text/event-stream", ...o.headers() };
        if (lastEventId !== undefined) headers["Last-Event-ID"] = lastEventId;
        const res = await fetch(o.url, { headers, signal: abort.signal, cache: "no-store" });
        if (!res.ok || !res.body) {
          const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
          const refused = new StreamRefused(res.status, body.code ?? "", body.message ?? res.statusText);
          const again = o.onRefused?.(refused, { resetCursor: () => { lastEventId = undefined; } }) ?? false;
          if (!again) return;
          failures++;
          await delay(backoffMs(failures), abort.signal);
          continue;
        }
        o.onStatus?.(true);
        failures = 0;
        const parser = new SseParser();
        parser.lastEventId = lastEventId;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const m of parser.feed(value)) {
            lastEventId = m.id;
            o.onMessage(m);
          }
        }
        o.onStatus?.(false);
        if (o.isDone?.() ?? false) return;
      } catch {
        if (stopped()) return;
        o.onStatus?.(false);
      }
      failures++;
      await delay(backoffMs(failures - 1), abort.signal);
    }
  };
  void run();
  return { close: () => { abort.abort(); } };
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
  });
}
