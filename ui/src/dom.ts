// A tiny DOM builder: elements from tag, attributes and children, never
// from HTML strings (the Content-Security-Policy and XSS both forbid it).

type Child = Node | string | number | false | null | undefined;
type Handler = (e: Event) => void;
export type Attrs = Record<string, string | number | boolean | Handler | undefined>;

function set(el: Element, attrs: Attrs): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") {
      el.addEventListener(k.slice(2).toLowerCase(), v);
    } else if (k === "value" && (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement)) {
      el.value = String(v);
    } else if (k === "checked" && el instanceof HTMLInputElement) {
      el.checked = v === true;
    } else {
      el.setAttribute(k, v === true ? "" : String(v));
    }
  }
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === false || c === null || c === undefined) continue;
    el.append(typeof c === "number" ? String(c) : c);
  }
}

/** An HTML element. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  set(el, attrs);
  append(el, children);
  return el;
}

const SVG = "http://www.w3.org/2000/svg";

/** An SVG element. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  set(el, attrs);
  append(el, children);
  return el;
}

/** Replaces an element's children. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** The badge of a state: text and a class per state, and data-state for tests. */
export function badge(state: string, testid = "state"): HTMLSpanElement {
  return h("span", { class: `badge st-${state}`, "data-state": state, "data-testid": testid }, state.replace("_", " "));
}

/** A message line for errors and empty lists. */
export function note(text: string, kind: "error" | "empty" | "info" = "info"): HTMLParagraphElement {
  return h("p", { class: `note note-${kind}`, "data-testid": kind === "error" ? "error" : "note", role: kind === "error" ? "alert" : undefined }, text);
}
