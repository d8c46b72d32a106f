#!/usr/bin/env bash
# Checks deploy/monitoring offline, in seconds, with promtool (Debian's
# prometheus package; scripts/setup.sh installs it) and python3 (stdlib):
#
#   1. promtool check rules  deploy/monitoring/prometheus/alerts.yml
#   2. promtool test rules   deploy/monitoring/prometheus/alerts_test.yml
#   3. every query of the Grafana dashboard, template variables substituted,
#      written as a recording rule and parsed by promtool check rules;
#   4. the brief's four dashboard queries are on the dashboard as written
#      (whitespace aside), under their titles;
#   5. every metric name the dashboard, the rules and the tests use is in
#      deploy/monitoring/metrics.txt (one exported family per line), and
#      the dashboard shows every family listed there;
#   6. every alert has for:, a severity and summary/description annotations,
#      and a unit test where it fires and one where it must not;
#   7. negative self-checks: a broken expression, an unknown metric and a
#      quantile without `le` go through the same code and must be rejected.
#
# Set ORCH_BRIEF to the product brief's path to also compare the four
# queries with the brief's "Grafana Dashboard Queries" block.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mon="$root/deploy/monitoring"
rules="$mon/prometheus/alerts.yml"
tests="$mon/prometheus/alerts_test.yml"
dashboard="$mon/grafana/orchestrator.json"
metrics="$mon/metrics.txt"

command -v promtool >/dev/null || {
  echo "check-monitoring: promtool not found (scripts/setup.sh installs Debian's prometheus package)" >&2
  exit 1
}
command -v python3 >/dev/null || { echo "check-monitoring: python3 is required" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/check.py" <<'PY'
"""deploy/monitoring checks that need parsing (stdlib only)."""
import json
import os
import re
import sys

# The brief's "Grafana Dashboard Queries", as written (product brief,
# section "Monitoring Metrics"): panel title -> query.
BRIEF_QUERIES = {
    "Workflow success rate":
        'rate(swarm_workflow_runs_total{status="success"}[5m])\n'
        '/ rate(swarm_workflow_runs_total[5m]) * 100',
    "Average workflow duration":
        'rate(swarm_workflow_duration_seconds_sum[5m])\n'
        '/ rate(swarm_workflow_duration_seconds_count[5m])',
    "Task failure rate":
        'rate(swarm_workflow_task_failures_total[5m])',
    "Cache hit rate":
        'rate(swarm_workflow_cache_hits_total[5m])\n'
        '/ (rate(swarm_workflow_cache_hits_total[5m]) \n'
        '   + rate(swarm_workflow_cache_misses_total[5m])) * 100',
}

EXPECTED_ALERTS = {
    "OrchestratorDown", "OrchestratorStuckExecution", "OrchestratorHighFailureRate",
    "OrchestratorScheduleLag", "OrchestratorSchedulesMissed",
    "OrchestratorStoreWriteLatency", "OrchestratorCircuitOpen",
    "OrchestratorExecutionsLost", "OrchestratorKafkaLag",
}

# Series Prometheus itself makes, not the service.
BUILTIN = {"up"}
HIST_SUFFIXES = ("_bucket", "_sum", "_count")
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "offset", "and", "or", "unless", "inf", "nan"}

# Grafana variables -> what makes the query valid PromQL for the check.
GRAFANA_VARS = {
    "__rate_interval": "5m", "__interval": "1m", "__range": "1h",
    "__interval_ms": "60000", "__range_s": "3600", "__range_ms": "3600000",
}

errors = []


def err(msg):
    errors.append(msg)


def squash(s):
    return re.sub(r"\s+", "", s)


def substitute(expr):
    """Grafana template variables: built-ins to durations, others to `.*`."""
    def repl(m):
        name = m.group(1) or m.group(2) or m.group(3)
        return GRAFANA_VARS.get(name, ".*")
    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)", repl, expr)


def metric_names(expr):
    """The metric names an expression selects (a small PromQL tokenizer)."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)
    s = re.sub(r"#[^\n]*", " ", s)
    if "__name__" in s:
        err(f"selects by __name__ (names cannot be checked): {expr!r}")
    s = re.sub(r"\{[^}]*\}", " ", s)
    s = re.sub(r"\[[^\]]*\]", " ", s)
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)
    s = re.sub(r"\boffset\s+-?\w+", " ", s)
    names = []
    for m in re.finditer(r"(?<![\w.:])([A-Za-z_:][A-Za-z0-9_:]*)", s):
        name = m.group(1)
        if re.match(r"\s*\(", s[m.end():]) or name.lower() in KEYWORDS:
            continue
        names.append(name)
    return names


def load_families(path):
    fams = []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        name = line.strip()
        if not re.fullmatch(r"[a-zA-Z_:][a-zA-Z0-9_:]*", name):
            err(f"{path}:{n}: not a metric name: {line!r}")
        fams.append(name)
    if len(set(fams)) != len(fams):
        err(f"{path}: duplicate names")
    return set(fams)


class NameCheck:
    """Each name must be a family of metrics.txt (histograms with their
    _bucket/_sum/_count series), a built-in, or a recording rule."""

    def __init__(self, families, recorded=()):
        self.families = families
        self.recorded = set(recorded)
        self.used_bare = {}
        self.used_suffixed = {}

    def check(self, where, expr, allow_recorded=True):
        bad = []
        for name in metric_names(expr):
            if name in self.families:
                self.used_bare.setdefault(name, where)
                continue
            if name in BUILTIN or (allow_recorded and name in self.recorded):
                continue
            base = next((name[: -len(s)] for s in HIST_SUFFIXES if name.endswith(s)), None)
            if base in self.families and not base.endswith("_total"):
                self.used_suffixed.setdefault(base, where)
                continue
            bad.append(name)
        for name in bad:
            err(f"{where}: metric {name} is not in deploy/monitoring/metrics.txt")
        return not bad

    def consistency(self):
        # A family read both as a histogram (_bucket...) and as a plain
        # series is a typo for one of the two.
        for fam in sorted(set(self.used_bare) & set(self.used_suffixed)):
            err(f"{fam} is used both bare ({self.used_bare[fam]}) and as a histogram "
                f"({self.used_suffixed[fam]})")


def check_quantiles(where, expr):
    """histogram_quantile over _bucket series must keep `le`."""
    if "_bucket" not in expr:
        return True
    ok = "histogram_quantile" in expr
    for m in re.finditer(r"\bby\s*\(([^)]*)\)", expr):
        if "le" not in [x.strip() for x in m.group(1).split(",")]:
            ok = False
    for m in re.finditer(r"\bwithout\s*\(([^)]*)\)", expr):
        if "le" in [x.strip() for x in m.group(1).split(",")]:
            ok = False
    if not ok:
        err(f"{where}: a _bucket query must be histogram_quantile(..., sum by (le, ...) (...))")
    return ok


def no_dupes(pairs):
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ValueError(f"duplicate JSON keys {sorted(dup)}")
    return dict(pairs)


def walk_panels(panels):
    for p in panels:
        yield p
        yield from walk_panels(p.get("panels", []))


def rules_yaml(records):
    """A rules file with one recording rule per (name, expr)."""
    out = ["groups:", "  - name: dashboard-queries", "    rules:"]
    for name, expr in records:
        out.append(f"      - record: {name}")
        out.append(f"        expr: {json.dumps(expr)}")  # JSON string = YAML double-quoted
    return "\n".join(out) + "\n"


def yaml_exprs(path):
    """(line, expr) of every `expr:` of a rules/test file written the way
    ours are (block scalars `|`/`>` or one-line values)."""
    lines = open(path, encoding="utf-8").read().split("\n")
    found = []
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(- )?expr:\s*(.*)$", lines[i])
        if not m:
            i += 1
            continue
        indent, val = len(m.group(1)) + len(m.group(2) or ""), m.group(3).strip()
        start = i + 1
        if val[:1] in ("|", ">"):
            body = []
            i += 1
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                body.append(lines[i])
                i += 1
            found.append((start, "\n".join(body).strip()))
            continue
        if val[:1] in ("'", '"'):
            val = val[1:-1]
        found.append((start, val))
        i += 1
    return found


def check_rules_file(path, names):
    text = open(path, encoding="utf-8").read()
    blocks = re.split(r"(?m)^(?=[ \t]*- (?:alert|record):)", text)[1:]
    alerts, recorded = {}, []
    for b in blocks:
        kind, name = re.match(r"\s*- (alert|record):\s*(\S+)", b).groups()
        if kind == "record":
            recorded.append(name)
            continue
        alerts[name] = b
        if not re.search(r"(?m)^\s+for:\s*\d+[smhd]", b):
            err(f"alert {name}: no for:")
        if not re.search(r"(?m)^\s+severity:\s*(critical|warning|info)\s*$", b):
            err(f"alert {name}: no severity label (critical, warning or info)")
        for a in ("summary", "description"):
            if not re.search(rf"(?m)^\s+{a}:", b):
                err(f"alert {name}: no {a} annotation")
        if "$labels." not in b:
            err(f"alert {name}: annotations use no $labels")
    missing = EXPECTED_ALERTS - set(alerts)
    if missing:
        err(f"{path}: alerts missing: {sorted(missing)}")
    exprs = yaml_exprs(path)
    if len(exprs) != len(blocks):
        err(f"{path}: parsed {len(exprs)} expr for {len(blocks)} rules")
    names.recorded.update(recorded)
    for line, expr in exprs:
        names.check(f"{os.path.basename(path)}:{line}", expr)
        check_quantiles(f"{os.path.basename(path)}:{line}", expr)
    return alerts, recorded, len(exprs)


def check_tests_file(path, alerts, names):
    lines = open(path, encoding="utf-8").read().split("\n")
    fires, quiet = set(), set()
    for i, line in enumerate(lines):
        m = re.match(r"^\s*(?:- )?alertname:\s*(\S+)\s*$", line)
        if m:
            nxt = next((l for l in lines[i + 1:] if l.strip()), "")
            (quiet if re.match(r"^\s*exp_alerts:\s*\[\]\s*$", nxt) else fires).add(m.group(1))
        m = re.match(r"""^\s*- series:\s*['"]?([A-Za-z_:][A-Za-z0-9_:]*)""", line)
        if m:
            names.check(f"{os.path.basename(path)}:{i + 1}", m.group(1))
    for line, expr in yaml_exprs(path):
        names.check(f"{os.path.basename(path)}:{line}", expr)
    for a in sorted(alerts):
        if a not in fires:
            err(f"alert {a}: no test case where it fires")
        if a not in quiet:
            err(f"alert {a}: no test case where it must not fire (exp_alerts: [])")
    return len(fires), len(quiet)


def brief_block(path):
    """The four queries of the brief's promql block, by their # titles."""
    text = open(path, encoding="utf-8").read()
    m = re.search(r"### Grafana Dashboard Queries\s*```promql\n(.*?)```", text, re.S)
    if not m:
        err(f"{path}: no 'Grafana Dashboard Queries' promql block")
        return {}
    out, title = {}, None
    for line in m.group(1).split("\n"):
        if line.startswith("#"):
            title = line.lstrip("# ").strip()
            out[title] = ""
        elif title:
            out[title] += line + "\n"
    return out


def cmd_lint(dashboard, rules, tests, metrics, out_rules):
    families = load_families(metrics)
    names = NameCheck(families)

    # Rules first: their recording names are allowed in the tests.
    alerts, recorded, n_rule_exprs = check_rules_file(rules, names)
    fires, quiet = check_tests_file(tests, alerts, names)

    with open(dashboard, encoding="utf-8") as f:
        dash = json.load(f, object_pairs_hook=no_dupes)
    if not 36 <= dash.get("schemaVersion", 0) <= 41:
        err(f"dashboard schemaVersion {dash.get('schemaVersion')} (want ~39)")
    tvars = {v["name"]: v for v in dash.get("templating", {}).get("list", [])}
    ds = tvars.get("datasource", {})
    if ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        err("dashboard: no `datasource` variable of type datasource/prometheus")
    records = []
    for v in ("instance", "workflow"):
        q = tvars.get(v, {}).get("query")
        q = q.get("query") if isinstance(q, dict) else q
        m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\s*\)\s*", q or "", re.S)
        if not m or m.group(2) != v:
            err(f"dashboard: variable {v} is not label_values(..., {v})")
            continue
        sel = substitute(m.group(1))
        names.check(f"variable {v}", sel, allow_recorded=False)
        records.append((f"dashboard:variable_{v}", sel))

    ids, n_panels, exprs = set(), 0, []
    for p in walk_panels(dash.get("panels", [])):
        pid = p.get("id")
        if pid in ids:
            err(f"dashboard: duplicate panel id {pid}")
        ids.add(pid)
        if "gridPos" not in p:
            err(f"panel {pid} {p.get('title')!r}: no gridPos")
        if p.get("type") == "row":
            continue
        n_panels += 1
        if p.get("datasource", {}).get("uid") != "${datasource}":
            err(f"panel {pid} {p.get('title')!r}: datasource is not ${{datasource}}")
        targets = p.get("targets") or []
        if not targets:
            err(f"panel {pid} {p.get('title')!r}: no targets")
        refs = [t.get("refId") for t in targets]
        if len(set(refs)) != len(refs):
            err(f"panel {pid}: duplicate refId")
        for t in targets:
            expr = t.get("expr", "")
            where = f"panel {pid} {p.get('title')!r} {t.get('refId')}"
            if not expr.strip():
                err(f"{where}: empty expr")
                continue
            exprs.append((p.get("title"), expr))
            sub = substitute(expr)
            if "$" in sub:
                err(f"{where}: unsubstituted variable in {sub!r}")
            names.check(where, sub, allow_recorded=False)
            check_quantiles(where, sub)
            records.append((f"dashboard:panel_{pid}_{t.get('refId')}", sub))
    names.consistency()
    # Every family is on the dashboard somewhere.
    shown = set()
    for _, expr in exprs:
        for n in metric_names(substitute(expr)):
            shown.add(next((n[: -len(x)] for x in HIST_SUFFIXES if n.endswith(x) and n[: -len(x)] in families), n))
    for fam in sorted(families - shown):
        err(f"dashboard: no panel shows {fam} (metrics.txt)")

    brief = BRIEF_QUERIES
    if os.environ.get("ORCH_BRIEF"):
        from_brief = brief_block(os.environ["ORCH_BRIEF"])
        if {k: squash(v) for k, v in from_brief.items()} != {k: squash(v) for k, v in brief.items()}:
            err(f"BRIEF_QUERIES differ from {os.environ['ORCH_BRIEF']}: {from_brief}")
        else:
            print(f"brief: the four queries match {os.environ['ORCH_BRIEF']}")
    for title, q in brief.items():
        if not any(t == title and squash(e) == squash(q) for t, e in exprs):
            err(f"dashboard: no panel {title!r} with the brief's query {q!r} as written")

    if errors:
        return
    with open(out_rules, "w", encoding="utf-8") as f:
        f.write(rules_yaml(records))
    print(f"dashboard: {n_panels} panels, {len(exprs)} queries + 2 variables -> {len(records)} recording rules")
    print(f"rules: {len(alerts)} alerts, {len(recorded)} recording rules ({n_rule_exprs} expressions)")
    print(f"tests: every alert fires in a case ({fires}) and stays quiet in another ({quiet})")
    print(f"names: every metric is one of the {len(families)} families of metrics.txt (or up, or a recording rule); the dashboard shows all {len(families)}")
    with open(out_rules + ".count", "w", encoding="utf-8") as f:
        print(len(records), file=f)


def cmd_rules(out_rules, *exprs):
    """The dashboard's path to promtool, for the negative self-check."""
    with open(out_rules, "w", encoding="utf-8") as f:
        f.write(rules_yaml([(f"selfcheck:expr_{i}", substitute(e)) for i, e in enumerate(exprs)]))


def cmd_selfcheck(metrics):
    """The name and quantile checks must reject what they exist to reject."""
    global errors
    names = NameCheck(load_families(metrics))
    cases = [
        ("unknown metric", lambda: names.check("selfcheck", "rate(swarm_workflow_no_such_thing_total[5m])")),
        ("suffix on a counter", lambda: names.check("selfcheck", "swarm_workflow_runs_total_bucket")),
        ("recording rule on the dashboard", lambda: names.check("selfcheck", "orchestrator:x:rate5m", allow_recorded=False)),
        ("quantile without le", lambda: check_quantiles("selfcheck", substitute(
            'histogram_quantile(0.99, sum by (workflow) (rate(swarm_workflow_duration_seconds_bucket{workflow=~"$workflow"}[$__rate_interval])))'))),
    ]
    for what, case in cases:
        errors = []
        if case() or not errors:
            print(f"selfcheck: {what} was NOT rejected", file=sys.stderr)
            sys.exit(1)
        print(f"selfcheck: rejected {what}: {errors[0]}")
    errors = []
    if not names.check("selfcheck", 'histogram_quantile(0.5, sum by (le) (rate(swarm_workflow_db_read_ms_bucket{operation="get_workflow"}[5m]))) > 1 and on() up == 1') or errors:
        print(f"selfcheck: a valid expression was rejected: {errors}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"lint": cmd_lint, "rules": cmd_rules, "selfcheck": cmd_selfcheck}[cmd](*args)
    if errors:
        for e in errors:
            print(f"check-monitoring: {e}", file=sys.stderr)
        sys.exit(1)
PY

check() { python3 "$tmp/check.py" "$@"; }

# promtool check rules on a file of recording rules; its rule count must be
# what we wrote (so an empty file cannot pass).
promql_check() { # file count
  local out
  out="$(promtool check rules "$1" 2>&1)" || { printf '%s\n' "$out" >&2; return 1; }
  printf '%s\n' "$out"
  grep -q "SUCCESS: $2 rules found" <<<"$out" || { echo "check-monitoring: expected $2 rules in $1" >&2; return 1; }
}

echo "== promtool $(promtool --version 2>&1 | head -1 | awk '{print $3}')"
echo "== promtool check rules ${rules#"$root"/}"
promtool check rules "$rules"

echo "== promtool test rules ${tests#"$root"/}"
promtool test rules "$tests"

echo "== dashboard, rules and tests: structure, brief queries, metric names"
check lint "$dashboard" "$rules" "$tests" "$metrics" "$tmp/dashboard.rules.yml"

echo "== promtool check rules on every dashboard query"
promql_check "$tmp/dashboard.rules.yml" "$(cat "$tmp/dashboard.rules.yml.count")"

echo "== negative self-checks"
check selfcheck "$metrics"
# A valid and a broken expression through the same path as the dashboard's
# queries: promtool must take the first and reject each broken one.
check rules "$tmp/good.rules.yml" 'sum by (le) (rate(swarm_workflow_runs_total{workflow=~"$workflow"}[$__rate_interval]))'
promql_check "$tmp/good.rules.yml" 1 >/dev/null
for broken in \
  'rate(swarm_workflow_runs_total{status="success"}[5m]' \
  'rate(swarm_workflow_runs_total[$__no_such_variable])' \
  'sum by (le (rate(swarm_workflow_duration_seconds_bucket[5m]))' \
  'rate(swarm_workflow_task_failures_total{task=~"a"})'; do
  check rules "$tmp/broken.rules.yml" "$broken"
  if promtool check rules "$tmp/broken.rules.yml" >/dev/null 2>&1; then
    echo "check-monitoring: promtool accepted a broken expression: $broken" >&2
    exit 1
  fi
  echo "selfcheck: promtool rejected: $broken"
done

echo "check-monitoring: OK"
