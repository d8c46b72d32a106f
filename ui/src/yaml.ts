// JSON as YAML, for reading workflow definitions: block style, keys in
// their order, strings quoted only where YAML would read them otherwise.

const PLAIN = /^[A-Za-z0-9_./][A-Za-z0-9_ ./:@()-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|~)$/i;

/** Whether YAML (1.1 or 1.2) could read `s` as a number or a date rather than text. */
function numberLike(s: string): boolean {
  return Number.isFinite(Number(s)) || /^[-+]?[0-9][0-9_]*$/.test(s) || /^\d{4}-\d\d-\d\d/.test(s) || (/^\d/.test(s) && s.includes(":"));
}

/** A string as a YAML scalar: plain when safe, else double-quoted (JSON escapes are YAML escapes). */
export function scalar(s: string): string {
  const plain = s !== "" && PLAIN.test(s) && !RESERVED.test(s) && !numberLike(s)
    && !s.endsWith(" ") && !s.includes(": ") && !s.includes(" #");
  return plain ? s : JSON.stringify(s);
}

function key(k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(k) && !RESERVED.test(k) ? k : JSON.stringify(k);
}

function inline(v: unknown): string | undefined {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean" || typeof v === "number") return String(v);
  if (typeof v === "string") return v.includes("\n") ? undefined : scalar(v);
  if (Array.isArray(v) && v.length === 0) return "[]";
  if (typeof v === "object" && Object.keys(v).length === 0) return "{}";
  return undefined;
}

function block(v: unknown, indent: string): string[] {
  if (typeof v === "string") {
    return v.replace(/\n$/, "").split("\n").map((l) => (l === "" ? "" : indent + l));
  }
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const item of v) {
      const one = inline(item);
      if (one !== undefined) {
        out.push(`${indent}- ${one}`);
        continue;
      }
      const lines = typeof item === "string" ? [`${indent}- |${item.endsWith("\n") ? "" : "-"}`, ...block(item, indent + "    ")] : block(item, indent + "  ");
      if (typeof item === "string") {
        out.push(...lines);
      } else {
        const first = lines[0] ?? "";
        out.push(`${indent}- ${first.slice(indent.length + 2)}`, ...lines.slice(1));
      }
    }
    return out;
  }
  const out: string[] = [];
  for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
    const one = inline(item);
    if (one !== undefined) out.push(`${indent}${key(k)}: ${one}`);
    else if (typeof item === "string") out.push(`${indent}${key(k)}: |${item.endsWith("\n") ? "" : "-"}`, ...block(item, indent + "  "));
    else out.push(`${indent}${key(k)}:`, ...block(item, indent + "  "));
  }
  return out;
}

/** The YAML document of a JSON value. */
export function toYaml(v: unknown): string {
  const one = inline(v);
  if (one !== undefined) return one + "\n";
  return block(v, "").join("\n") + "\n";
}
