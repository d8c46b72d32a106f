import { describe, expect, it } from "vitest";
import { decisionBody, relative } from "../../src/approvals";
import { duration } from "../../src/format";
import { hashOf, parseHash } from "../../src/router";
import type { ApprovalField } from "../../src/run";
import { canRetry, executionState, isFinal, taskState } from "../../src/states";
import { scalar, toYaml } from "../../src/yaml";

describe("states", () => {
  it("read both the REST labels and the proto enum names", () => {
    expect(taskState("TASK_STATE_TIMED_OUT")).toBe("timed_out");
    expect(taskState("succeeded")).toBe("succeeded");
    expect(taskState("TASK_STATE_WAITING")).toBe("waiting");
    expect(taskState(undefined)).toBe("pending");
    expect(executionState("EXECUTION_STATE_COMPLETED")).toBe("completed");
    expect(executionState("waiting")).toBe("waiting");
    expect(executionState("bogus")).toBe("pending");
  });

  it("say which runs have ended and which can be retried", () => {
    expect(isFinal("waiting")).toBe(false);
    expect(isFinal("cancelled")).toBe(true);
    expect(canRetry("failed")).toBe(true);
    expect(canRetry("completed")).toBe(false);
  });
});

describe("routes", () => {
  it("split the hash into decoded parts and a query", () => {
    expect(parseHash("#/runs/a%2Fb?workflow=x")).toEqual({ parts: ["runs", "a/b"], query: new URLSearchParams("workflow=x") });
    expect(parseHash("").parts).toEqual([]);
    expect(hashOf(["runs", "a/b"], "x=1")).toBe("#/runs/a%2Fb?x=1");
  });
});

describe("toYaml", () => {
  it("writes a workflow spec as block YAML", () => {
    const spec = {
      name: "diamond",
      tasks: [
        { id: "top", type: "sleep", sleep: { duration: "300ms" } },
        { id: "left", type: "echo", depends_on: ["top"], echo: { body: { n: 1, ok: true, none: null } } },
      ],
      labels: {},
    };
    expect(toYaml(spec)).toBe([
      "name: diamond",
      "tasks:",
      "  - id: top",
      "    type: sleep",
      "    sleep:",
      "      duration: 300ms",
      "  - id: left",
      "    type: echo",
      "    depends_on:",
      "      - top",
      "    echo:",
      "      body:",
      "        n: 1",
      "        ok: true",
      "        none: null",
      "labels: {}",
      "",
    ].join("\n"));
  });

  it("quotes strings YAML would read as something else", () => {
    expect(["yes", "true", "", "12", "a: b", "{{ input.x }}", "#x", "x #y", "-1", "1e3", "2026-05-01", "1:30", "ok", "300ms", "5s"].map(scalar))
      .toEqual(["\"yes\"", "\"true\"", "\"\"", "\"12\"", "\"a: b\"", "\"{{ input.x }}\"", "\"#x\"", "\"x #y\"", "\"-1\"", "\"1e3\"",
        "\"2026-05-01\"", "\"1:30\"", "ok", "300ms", "5s"]);
  });

  it("writes multi-line strings as literal blocks", () => {
    expect(toYaml({ script: "a = 1\nresult = a\n" })).toBe("script: |\n  a = 1\n  result = a\n");
    expect(toYaml({ s: "x\ny" })).toBe("s: |-\n  x\n  y\n");
    expect(toYaml(["a\nb"])).toBe("- |-\n    a\n    b\n");
    expect(toYaml(3)).toBe("3\n");
  });
});

describe("decisionBody", () => {
  const fields: ApprovalField[] = [
    { name: "ticket", type: "string", required: true, description: "" },
    { name: "hours", type: "integer", required: false, description: "" },
    { name: "score", type: "number", required: false, description: "" },
    { name: "notify", type: "boolean", required: false, description: "" },
  ];

  it("converts the typed values to the fields' types", () => {
    const r = decisionBody(fields, { ticket: "SEC-1", hours: "4", score: "0.5", notify: true }, "approve", "  looks right ");
    expect(r).toEqual({ ok: true, body: { decision: "approve", reason: "looks right", input: { ticket: "SEC-1", hours: 4, score: 0.5, notify: true } } });
  });

  it("needs required fields to approve but not to reject", () => {
    expect(decisionBody(fields, {}, "approve", "")).toEqual({ ok: false, errors: { ticket: "required" } });
    expect(decisionBody(fields, {}, "reject", "no")).toEqual({ ok: true, body: { decision: "reject", reason: "no", input: {} } });
  });

  it("names fields whose numbers do not parse", () => {
    expect(decisionBody(fields, { ticket: "t", hours: "1.5", score: "abc" }, "approve", "")).toEqual({
      ok: false, errors: { hours: "expected a whole number", score: "expected a number" },
    });
  });

  it("sends false for a required checkbox left unticked", () => {
    const r = decisionBody([{ name: "sure", type: "boolean", required: true, description: "" }], {}, "approve", "");
    expect(r).toEqual({ ok: true, body: { decision: "approve", reason: "", input: { sure: false } } });
  });

  it("says deadlines relative to now", () => {
    expect(relative(90_000, 0)).toBe("in 2 m");
    expect(relative(0, 5000)).toBe("5 s ago");
  });
});

describe("duration", () => {
  it("reads at every scale", () => {
    expect([850, 1234, 185_000, 7_800_000].map(duration)).toEqual(["850 ms", "1.2 s", "3 m 05 s", "2 h 10 m"]);
  });
});
