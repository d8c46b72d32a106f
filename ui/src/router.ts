// Hash routes: "#/runs/<id>?x=1" → the path's segments and its query.

export interface Route {
  /** Decoded path segments: ["runs", "<id>"]. */
  parts: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#\/?/, "");
  const q = text.indexOf("?");
  const path = q < 0 ? text : text.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : text.slice(q + 1));
  const parts = path.split("/").filter((p) => p !== "").map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  return { parts, query };
}

/** The hash of a path ("runs", id) and an optional query string. */
export function hashOf(parts: readonly string[], query = ""): string {
  return `#/${parts.map(encodeURIComponent).join("/")}${query === "" ? "" : `?${query}`}`;
}

/** Stops what a view started (streams, timers) when the user leaves it. */
export type Cleanup = () => void;
/** A view: draws into `root`, returns its cleanup. */
export type View = (root: HTMLElement, parts: string[], query: URLSearchParams) => Cleanup;
