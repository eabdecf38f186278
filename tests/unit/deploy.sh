#!/usr/bin/env bash
# The files in deploy/ (docs: deploy/README.md) are accepted by what consumes
# them:
#   (a) every deploy/policies/*.yaml, deploy/agent.yaml and the agent config
#       and policies embedded in deploy/kubernetes/daemonset.yaml pass
#       `bpfjail agent --check` (the agent's own parser and trust rules, no
#       BPF); --check rejects what a start would reject;
#   (b) promtool accepts deploy/prometheus/scrape.yml (also with its
#       kubernetes_sd example uncommented) and rules.yml;
#   (c) systemd-analyze verify accepts the unit;
#   (d) the DaemonSet parses, has hostPID and no privileged container.
# Needs the built binary ($BPFJAIL, default build/bpfjail) and root for (a):
# the trust rules want files owned by uid 0.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$BPFJAIL_ROOT" || exit 1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The trust rules also judge every directory above: mktemp's is 0700 and
# root's, /tmp is sticky.
chmod 0755 "$tmp"

have_bin=1
if [ ! -x "$BPFJAIL" ]; then
	have_bin=0
fi
is_root=0
[ "$(id -u)" -eq 0 ] && is_root=1
have_yaml=0
python3 -c 'import yaml' 2>/dev/null && have_yaml=1

# need_check NAME: print skip and return 1 when --check cannot run here.
need_check() {
	if [ $have_bin -eq 0 ]; then
		skip "$1" "$BPFJAIL not built (make)"
		return 1
	fi
	if [ $is_root -eq 0 ]; then
		skip "$1" "needs root: the agent trusts only files owned by uid 0"
		return 1
	fi
}

# mkcase NAME: a fresh directory with a policies.d, both root's and 0755.
mkcase() {
	local d=$tmp/$1
	install -d -m 0755 "$d" "$d/policies.d"
	printf '%s' "$d"
}

# agent_conf SRC DIR: SRC with policy_dir pointed at DIR/policies.d, as
# DIR/agent.yaml (0644). Fails if SRC has no policy_dir line to point.
agent_conf() {
	local src=$1 d=$2
	if grep -q '^policy_dir:' "$src"; then
		sed "s|^policy_dir:.*|policy_dir: $d/policies.d|" "$src" >"$d/agent.yaml"
	else
		{ cat "$src"; printf 'policy_dir: %s/policies.d\n' "$d"; } >"$d/agent.yaml"
	fi
	chmod 0644 "$d/agent.yaml"
}

# run_check DIR: bpfjail agent --check on DIR/agent.yaml; sets out and rc.
run_check() {
	out=$("$BPFJAIL" agent --config "$1/agent.yaml" --check 2>&1)
	rc=$?
}

# --- (a) the agent accepts the example files ---------------------------------

if need_check "deploy/policies: bpfjail agent --check accepts each policy file"; then
	n=0 bad=""
	for f in deploy/policies/*.yaml; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		d=$(mkcase "one-$(basename "$f" .yaml)")
		install -m 0644 "$f" "$d/policies.d/"
		printf 'policy_dir: %s/policies.d\n' "$d" >"$d/agent.yaml"
		chmod 0644 "$d/agent.yaml"
		run_check "$d"
		if [ $rc -ne 0 ] || ! printf '%s' "$out" | grep -q "^policy $(basename "$f"): ok"; then
			bad="$bad $f (exit $rc: $out)"
		fi
	done
	if [ $n -lt 3 ]; then
		notok "deploy/policies: bpfjail agent --check accepts each policy file" "expected at least 3 files, found $n"
	elif [ -n "$bad" ]; then
		notok "deploy/policies: bpfjail agent --check accepts each policy file" "$bad"
	else
		ok "deploy/policies: bpfjail agent --check accepts each policy file ($n)"
	fi
fi

if need_check "deploy/agent.yaml with every deploy/policies file: --check exits 0"; then
	d=$(mkcase all)
	install -m 0644 deploy/policies/*.yaml "$d/policies.d/"
	agent_conf deploy/agent.yaml "$d"
	run_check "$d"
	want=$(ls deploy/policies/*.yaml | wc -l)
	if [ $rc -eq 0 ] && printf '%s' "$out" | grep -q "^policy directory $d/policies.d: $want policies"; then
		ok "deploy/agent.yaml with every deploy/policies file: --check exits 0"
	else
		notok "deploy/agent.yaml with every deploy/policies file: --check exits 0" "exit $rc: $out"
	fi
fi

# The ConfigMaps of the DaemonSet: agent.yaml, and every other key a policy.
if need_check "daemonset ConfigMaps: --check accepts agent.yaml and the policies"; then
	if [ $have_yaml -eq 0 ]; then
		skip "daemonset ConfigMaps: --check accepts agent.yaml and the policies" \
			"python3-yaml not installed (scripts/install-deps.sh)"
	else
		d=$(mkcase k8s)
		if ! err=$(python3 - deploy/kubernetes/daemonset.yaml "$d" <<'EOF' 2>&1
import os, sys, yaml
path, out = sys.argv[1], sys.argv[2]
docs = [x for x in yaml.safe_load_all(open(path)) if x]
cms = [x for x in docs if x.get("kind") == "ConfigMap"]
agent = [x for x in cms if "agent.yaml" in (x.get("data") or {})]
if len(agent) != 1:
    sys.exit("expected one ConfigMap with agent.yaml, found %d" % len(agent))
open(os.path.join(out, "agent.yaml.src"), "w").write(agent[0]["data"]["agent.yaml"])
n = 0
for cm in cms:
    for k, v in (cm.get("data") or {}).items():
        if k == "agent.yaml":
            continue
        if not k.endswith(".yaml"):
            sys.exit("ConfigMap %s key %s: a policy key must end in .yaml or the agent ignores it"
                     % (cm["metadata"]["name"], k))
        open(os.path.join(out, "policies.d", k), "w").write(v)
        n += 1
if n == 0:
    sys.exit("no policy in the ConfigMaps")
EOF
		); then
			notok "daemonset ConfigMaps: --check accepts agent.yaml and the policies" "$err"
		else
			chmod 0644 "$d"/policies.d/*.yaml
			agent_conf "$d/agent.yaml.src" "$d"
			run_check "$d"
			if [ $rc -eq 0 ]; then
				ok "daemonset ConfigMaps: --check accepts agent.yaml and the policies"
			else
				notok "daemonset ConfigMaps: --check accepts agent.yaml and the policies" "exit $rc: $out"
			fi
			# In the pod the config is checked as is: policy_dir is where the
			# init container copies the policies.
			pd=$(sed -n 's/^policy_dir: *//p' "$d/agent.yaml.src")
			assert_eq "daemonset agent.yaml: policy_dir is the init container's copy" \
				/etc/bpfjail/policies.d "$pd"
			assert_match "daemonset agent.yaml: metrics listen on the pod's addresses" \
				'^ *listen: 0\.0\.0\.0:9477$' "$(grep 'listen:' "$d/agent.yaml.src")"
		fi
	fi
fi

# --check is a real check: it refuses what a start would refuse, exit 2.
if need_check "--check rejects an invalid policy file (exit 2, FILE:LINE:COL)"; then
	d=$(mkcase bad)
	install -m 0644 deploy/policies/*.yaml "$d/policies.d/"
	install -m 0644 tests/agent/policy/bad-mode.yaml "$d/policies.d/"
	agent_conf deploy/agent.yaml "$d"
	run_check "$d"
	if [ $rc -eq 2 ] && printf '%s' "$out" | grep -q "$d/policies.d/bad-mode.yaml:4:7: mode: unknown value 'strict'"; then
		ok "--check rejects an invalid policy file (exit 2, FILE:LINE:COL)"
	else
		notok "--check rejects an invalid policy file (exit 2, FILE:LINE:COL)" "exit $rc: $out"
	fi

	rm "$d/policies.d/bad-mode.yaml"
	chmod g+w "$d/policies.d/20-web.yaml"
	run_check "$d"
	if [ $rc -eq 2 ] && printf '%s' "$out" | grep -q "20-web.yaml is writable by group"; then
		ok "--check applies the trust rules to policy files (group-writable: exit 2)"
	else
		notok "--check applies the trust rules to policy files (group-writable: exit 2)" "exit $rc: $out"
	fi
	chmod g-w "$d/policies.d/20-web.yaml"

	chmod o+w "$d/agent.yaml"
	run_check "$d"
	if [ $rc -eq 2 ] && printf '%s' "$out" | grep -q "config file $d/agent.yaml is writable by others"; then
		ok "--check applies the trust rules to the config (other-writable: exit 2)"
	else
		notok "--check applies the trust rules to the config (other-writable: exit 2)" "exit $rc: $out"
	fi
	chmod o-w "$d/agent.yaml"

	ln -s "$BPFJAIL_ROOT/deploy/policies/10-logging.yaml" "$d/policies.d/link.yaml"
	run_check "$d"
	if [ $rc -eq 2 ] && printf '%s' "$out" | grep -q "link.yaml is a symbolic link"; then
		ok "--check refuses a symlinked policy file (why the DaemonSet copies its ConfigMaps)"
	else
		notok "--check refuses a symlinked policy file (why the DaemonSet copies its ConfigMaps)" "exit $rc: $out"
	fi
	rm "$d/policies.d/link.yaml"

	run_check "$d"
	assert_eq "--check passes again once the files are fixed" 0 "$rc"
fi

# Without touching the kernel: no bpf(2) call at all.
if need_check "--check makes no bpf() system call"; then
	if ! command -v strace >/dev/null 2>&1; then
		skip "--check makes no bpf() system call" "strace not installed (scripts/install-deps.sh)"
	else
		d=$tmp/all
		if ! strace -f -qq -e trace=bpf,mount,perf_event_open -o "$tmp/strace.log" \
			"$BPFJAIL" agent --config "$d/agent.yaml" --check >/dev/null 2>"$tmp/strace.err"; then
			if grep -qiE "ptrace|not permitted" "$tmp/strace.err"; then
				skip "--check makes no bpf() system call" "strace cannot trace here: $(head -c 200 "$tmp/strace.err")"
			else
				notok "--check makes no bpf() system call" "strace/--check failed: $(cat "$tmp/strace.err")"
			fi
		elif grep -qE '(^|[0-9] )(bpf|mount|perf_event_open)\(' "$tmp/strace.log"; then
			notok "--check makes no bpf() system call" "$(head -5 "$tmp/strace.log")"
		else
			ok "--check makes no bpf() system call"
		fi
	fi
fi

# --- (b) Prometheus ------------------------------------------------------------

if need_cmd "promtool check config deploy/prometheus/scrape.yml" promtool; then
	check "promtool check config deploy/prometheus/scrape.yml" \
		promtool check config deploy/prometheus/scrape.yml
	# The commented kubernetes_sd job, uncommented, must be valid too.
	cp deploy/prometheus/rules.yml "$tmp/rules.yml"
	awk '
		/Uncomment to use/ { on = 1; next }
		on && /^  #$/ { next }
		on && /^  # / { sub(/^  # /, "  "); print; next }
		{ print }
	' deploy/prometheus/scrape.yml >"$tmp/scrape-k8s.yml"
	if ! grep -q '^  - job_name: bpfjail-kubernetes' "$tmp/scrape-k8s.yml"; then
		notok "promtool check config: scrape.yml with the kubernetes_sd example uncommented" \
			"no '# - job_name: bpfjail-kubernetes' block after 'Uncomment to use'"
	elif out=$(promtool check config "$tmp/scrape-k8s.yml" 2>&1); then
		ok "promtool check config: scrape.yml with the kubernetes_sd example uncommented"
	elif printf '%s' "$out" | grep -q "field kubernetes_sd_configs not found"; then
		# Debian's prometheus is built without Kubernetes discovery.
		skip "promtool check config: scrape.yml with the kubernetes_sd example uncommented" \
			"this promtool has no kubernetes_sd ($(promtool --version 2>&1 | head -1))"
		if [ $have_yaml -eq 1 ]; then
			check "scrape.yml with the kubernetes_sd example uncommented parses as YAML" \
				python3 -c 'import sys, yaml; c = yaml.safe_load(open(sys.argv[1])); assert any("kubernetes_sd_configs" in j for j in c["scrape_configs"])' "$tmp/scrape-k8s.yml"
		fi
	else
		notok "promtool check config: scrape.yml with the kubernetes_sd example uncommented" "$out"
	fi
fi
if need_cmd "promtool check rules deploy/prometheus/rules.yml" promtool; then
	check "promtool check rules deploy/prometheus/rules.yml" \
		promtool check rules deploy/prometheus/rules.yml
fi
# Every bpfjail_ metric the rules use is one the agent exports.
known=$(grep -ho '"bpfjail_[a-z_]*"' user/agent/metrics.c user/agent/metrics.h | tr -d '"' | sort -u)
unknown=""
for m in $(grep -o 'bpfjail_[a-z_]*' deploy/prometheus/rules.yml | sort -u); do
	printf '%s\n' "$known" | grep -qx "$m" || unknown="$unknown $m"
done
if [ -z "$known" ]; then
	notok "rules.yml uses only metrics the agent exports" "no bpfjail_ names found in user/agent/metrics.c"
elif [ -n "$unknown" ]; then
	notok "rules.yml uses only metrics the agent exports" "unknown:$unknown"
else
	ok "rules.yml uses only metrics the agent exports"
fi

# --- (c) systemd ---------------------------------------------------------------

unit=deploy/systemd/bpfjail-agent.service
if need_cmd "systemd-analyze verify $unit" systemd-analyze; then
	# verify wants ExecStart's binary to exist: point it at the one built.
	if [ $have_bin -eq 0 ]; then
		skip "systemd-analyze verify $unit" "$BPFJAIL not built (make)"
	else
		sed "s|/usr/local/bin/bpfjail|$(realpath "$BPFJAIL")|" "$unit" >"$tmp/bpfjail-agent.service"
		# --man=no: Documentation=man:bpfjail(8) is built by `make man`, not installed.
		if out=$(systemd-analyze verify --man=no "$tmp/bpfjail-agent.service" 2>&1) && [ -z "$out" ]; then
			ok "systemd-analyze verify $unit"
		else
			notok "systemd-analyze verify $unit" "$out"
		fi
		if out=$(systemd-analyze security --offline=true --threshold=50 "$tmp/bpfjail-agent.service" 2>&1); then
			ok "systemd-analyze security: exposure at most 5.0 ($(printf '%s' "$out" | grep -o 'exposure level[^:]*: [0-9.]*' | grep -o '[0-9.]*$'))"
		elif printf '%s' "$out" | grep -qE "unrecognized option|Unknown command|offline"; then
			skip "systemd-analyze security: exposure at most 5.0" "this systemd-analyze has no --offline/--threshold"
		else
			notok "systemd-analyze security: exposure at most 5.0" "$(printf '%s' "$out" | tail -3)"
		fi
	fi
fi
# What the unit must say, whatever systemd-analyze thinks of it.
caps="CAP_BPF CAP_PERFMON CAP_SYS_ADMIN CAP_KILL CAP_SYS_PTRACE CAP_DAC_READ_SEARCH"
bounding=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr ' ' '\n' | sort | tr '\n' ' ')
assert_eq "unit: the capability bounding set is exactly what the agent needs" \
	"$(printf '%s\n' $caps | sort | tr '\n' ' ')" "$bounding"
rw=$(sed -n 's/^ReadWritePaths=//p' "$unit")
missing=""
for p in /sys/fs/bpf /run/bpfjail /run/bpfjail.lock /var/log/bpfjail; do
	case " $rw " in *" $p "*) ;; *) missing="$missing $p" ;; esac
done
if [ -z "$missing" ] && grep -qx 'ProtectSystem=strict' "$unit" && grep -qx 'RuntimeDirectoryPreserve=yes' "$unit"; then
	ok "unit: ProtectSystem=strict with /sys/fs/bpf, /run/bpfjail, the lock and the event dir writable, /run/bpfjail kept"
else
	notok "unit: ProtectSystem=strict with /sys/fs/bpf, /run/bpfjail, the lock and the event dir writable, /run/bpfjail kept" \
		"ReadWritePaths=$rw; missing:$missing"
fi
# The event file of deploy/agent.yaml must be in a directory the unit makes writable.
ev=$(sed -n 's/^  output: *\([^ ]*\).*/\1/p' deploy/agent.yaml)
case "$ev" in
stdout) ok "unit: deploy/agent.yaml's event output is writable (stdout)" ;;
*)
	case " $rw " in
	*" $(dirname "$ev") "*) ok "unit: deploy/agent.yaml's event output is writable ($(dirname "$ev"))" ;;
	*) notok "unit: deploy/agent.yaml's event output is writable" "$ev is not under ReadWritePaths=$rw" ;;
	esac
	;;
esac

# --- (d) Kubernetes ------------------------------------------------------------

ds=deploy/kubernetes/daemonset.yaml
if grep -nE '^[^#]*privileged:[[:space:]]*true' "$ds" >"$tmp/priv"; then
	notok "$ds: no privileged: true" "$(cat "$tmp/priv")"
else
	ok "$ds: no privileged: true"
fi
if [ $have_yaml -eq 0 ]; then
	skip "$ds parses: hostPID, capabilities, probes, mounts" "python3-yaml not installed (scripts/install-deps.sh)"
else
	pyout=$(python3 - "$ds" 2>&1 <<'EOF'
import sys, yaml

path = sys.argv[1]
def ok(n): print("ok - " + n)
def notok(n, why): print("not ok - %s: %s" % (n, why))

try:
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
except yaml.YAMLError as e:
    notok(path + " parses as YAML", str(e).replace("\n", " "))
    sys.exit(0)
ok(path + " parses as YAML (%d documents)" % len(docs))

kinds = sorted(d.get("kind", "?") for d in docs)
want = ["ConfigMap", "DaemonSet", "Namespace", "ServiceAccount"]
missing = [k for k in want if k not in kinds]
if missing:
    notok("daemonset.yaml has a Namespace, ServiceAccount, ConfigMap and DaemonSet", "missing %s" % missing)
else:
    ok("daemonset.yaml has a Namespace, ServiceAccount, ConfigMap and DaemonSet")

ds = [d for d in docs if d.get("kind") == "DaemonSet"]
if len(ds) != 1:
    notok("one DaemonSet", "found %d" % len(ds))
    sys.exit(0)
spec = ds[0]["spec"]["template"]["spec"]
meta = ds[0]["spec"]["template"].get("metadata", {})
ns = {d["metadata"]["name"] for d in docs if d.get("kind") == "Namespace"}
if all(d["metadata"].get("namespace") in ns for d in docs if d.get("kind") != "Namespace"):
    ok("every object is in the manifest's Namespace")
else:
    notok("every object is in the manifest's Namespace", "namespaces %s" % ns)

if spec.get("hostPID") is True:
    ok("DaemonSet: hostPID: true")
else:
    notok("DaemonSet: hostPID: true", "hostPID is %r" % spec.get("hostPID"))

containers = spec.get("containers", []) + spec.get("initContainers", [])
priv = [c["name"] for c in containers if (c.get("securityContext") or {}).get("privileged")]
if priv:
    notok("DaemonSet: no privileged container", "privileged: %s" % priv)
else:
    ok("DaemonSet: no privileged container")

agent = [c for c in spec.get("containers", []) if "agent" in (c.get("command") or []) + (c.get("args") or [])]
if len(agent) != 1:
    notok("DaemonSet: one container runs `bpfjail agent`", "found %d" % len(agent))
    sys.exit(0)
a = agent[0]
sc = a.get("securityContext") or {}
caps = sc.get("capabilities") or {}
want_caps = {"BPF", "PERFMON", "SYS_ADMIN", "KILL", "SYS_PTRACE", "DAC_READ_SEARCH"}
if set(caps.get("add") or []) == want_caps and "ALL" in (caps.get("drop") or []):
    ok("agent container: drops ALL, adds exactly %s" % " ".join(sorted(want_caps)))
else:
    notok("agent container: drops ALL, adds exactly the needed capabilities", "capabilities %r" % caps)
if sc.get("readOnlyRootFilesystem") is True:
    ok("agent container: readOnlyRootFilesystem")
else:
    notok("agent container: readOnlyRootFilesystem", "%r" % sc.get("readOnlyRootFilesystem"))
# The API server refuses allowPrivilegeEscalation: false with SYS_ADMIN added.
if sc.get("allowPrivilegeEscalation") is False and "SYS_ADMIN" in (caps.get("add") or []):
    notok("agent container: allowPrivilegeEscalation not false with SYS_ADMIN", "the API server rejects that")
else:
    ok("agent container: allowPrivilegeEscalation not false with SYS_ADMIN (the API server rejects it)")
pod_sc = spec.get("securityContext") or {}
uid = sc.get("runAsUser", pod_sc.get("runAsUser"))
if uid == 0 and "fsGroup" not in pod_sc:
    ok("pod runs as uid 0 without fsGroup (the trust rules want root-owned, not group-writable files)")
else:
    notok("pod runs as uid 0 without fsGroup", "runAsUser %r, fsGroup %r" % (uid, pod_sc.get("fsGroup")))

probe = a.get("livenessProbe") or {}
port = {p.get("name"): p.get("containerPort") for p in a.get("ports", [])}
pp = (probe.get("httpGet") or {}).get("port")
if (probe.get("httpGet") or {}).get("path") == "/healthz" and (pp == 9477 or port.get(pp) == 9477):
    ok("agent container: liveness probe GET /healthz on 9477")
else:
    notok("agent container: liveness probe GET /healthz on 9477", "%r, ports %r" % (probe, port))
res = a.get("resources") or {}
if res.get("requests") and (res.get("limits") or {}).get("memory"):
    ok("agent container: resource requests and a memory limit")
else:
    notok("agent container: resource requests and a memory limit", "%r" % res)
ann = meta.get("annotations") or {}
if ann.get("prometheus.io/scrape") == "true" and ann.get("prometheus.io/port") == "9477":
    ok("pod template: Prometheus scrape annotations for port 9477")
else:
    notok("pod template: Prometheus scrape annotations for port 9477", "%r" % ann)

vols = {v["name"]: v for v in spec.get("volumes", [])}
mounts = {m["mountPath"]: m for m in a.get("volumeMounts", [])}
def host(mp):
    m = mounts.get(mp)
    v = vols.get(m["name"]) if m else None
    return m, (v or {}).get("hostPath", {}).get("path")
problems = []
for mp, ro in (("/sys/fs/bpf", False), ("/run/bpfjail", False), ("/sys/kernel/btf", True),
               ("/sys/kernel/security", True)):
    m, hp = host(mp)
    if not m or hp != mp:
        problems.append("%s is not the node's %s" % (mp, mp))
    elif bool(m.get("readOnly")) != ro:
        problems.append("%s readOnly %r" % (mp, m.get("readOnly")))
m, _ = host("/sys/fs/bpf")
# Bidirectional is only allowed for privileged containers; the node's bpffs
# must at least propagate into the container.
if m and m.get("mountPropagation") not in ("HostToContainer", "Bidirectional"):
    problems.append("/sys/fs/bpf mountPropagation %r" % m.get("mountPropagation"))
if m and m.get("mountPropagation") == "Bidirectional" and not sc.get("privileged"):
    problems.append("/sys/fs/bpf Bidirectional needs a privileged container (API validation)")
etc = mounts.get("/etc/bpfjail")
if not etc or not etc.get("readOnly") or "emptyDir" not in vols.get(etc["name"], {}):
    problems.append("/etc/bpfjail is not a read-only emptyDir (ConfigMap files are symlinks the agent refuses)")
if problems:
    notok("agent container: host mounts for pins, metadata, BTF, securityfs; config copied", "; ".join(problems))
else:
    ok("agent container: host mounts for pins, metadata, BTF, securityfs; config copied")
for v in vols.values():
    if "configMap" in v and v["configMap"].get("defaultMode") not in (0o444, 0o400):
        notok("ConfigMap volumes: defaultMode 0444 or 0400", "%s: %r" % (v["name"], v["configMap"].get("defaultMode")))
        break
else:
    ok("ConfigMap volumes: defaultMode 0444 or 0400")
EOF
	)
	pyrc=$?
	printf '%s\n' "$pyout" | grep -E '^(ok|not ok|skip) - '
	T_PASS=$((T_PASS + $(printf '%s\n' "$pyout" | grep -c '^ok - ')))
	T_FAIL=$((T_FAIL + $(printf '%s\n' "$pyout" | grep -c '^not ok - ')))
	if [ $pyrc -ne 0 ]; then
		notok "$ds checks ran" "python3 exited $pyrc: $(printf '%s' "$pyout" | grep -vE '^(ok|not ok|skip) - ' | tail -5)"
	fi
fi

t_done
