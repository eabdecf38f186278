#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host tier: the agent's metrics endpoint (user/agent/metrics.c) over real
# HTTP. tests/unit/metrics_serve.c serves the agent's families with known
# values on 127.0.0.1:<free port>; curl (else python3) reads /metrics and
# /healthz, promtool checks the exposition, and a real Prometheus (Debian's
# prometheus package) scrapes it every second and is queried over its HTTP
# API. Everything stays on 127.0.0.1; bounded to about 30 s; every process
# started here is stopped by its pid.
set -u
. "$(dirname "$0")/../lib.sh"
cd "$BPFJAIL_ROOT" || exit 1
out=build/test
mkdir -p "$out"
CC=${CC:-gcc}
SERVE=$out/metrics_serve

tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! $CC -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-D_GNU_SOURCE -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Iuser tests/unit/metrics_serve.c user/agent/metrics.c -lmicrohttpd -lpthread \
	-o "$SERVE" >"$out/metrics_serve.log" 2>&1; then
	notok "metrics_serve builds" "$(head -c 2000 "$out/metrics_serve.log")"
	exit 1
fi
ok "metrics_serve builds"
# LeakSanitizer needs ptrace, which some containers forbid: leaks are the
# unit test's business; here only memory errors.
export ASAN_OPTIONS=detect_leaks=0

# fetch METHOD URL: $tmp/status, $tmp/headers, $tmp/body.
if command -v curl >/dev/null 2>&1; then
	fetch() {
		local head=()
		[ "$1" = HEAD ] && head=(-I)
		curl -s --max-time 5 -X "$1" "${head[@]}" -D "$tmp/headers" -o "$tmp/body" \
			-w '%{http_code}' "$2" >"$tmp/status" 2>/dev/null || echo 000 >"$tmp/status"
	}
	client=curl
else
	fetch() {
		python3 - "$1" "$2" "$tmp" <<'EOF'
import sys, urllib.request, urllib.error
m, url, d = sys.argv[1:4]
req = urllib.request.Request(url, method=m, data=b"x" if m == "POST" else None)
try:
    r = urllib.request.urlopen(req, timeout=5)
    code, hdr, body = r.status, r.headers, r.read()
except urllib.error.HTTPError as e:
    code, hdr, body = e.code, e.headers, e.read()
except Exception:
    code, hdr, body = 0, "", b""
open(d + "/status", "w").write(str(code))
open(d + "/headers", "w").write("".join("%s: %s\r\n" % kv for kv in (hdr.items() if hdr else [])))
open(d + "/body", "wb").write(body)
EOF
	}
	client=python3
fi
# getfile URL FILE: a GET whose body goes to FILE (the Prometheus API).
getfile() {
	if [ $client = curl ]; then
		curl -sf --max-time 2 -o "$2" "$1" 2>/dev/null
	else
		python3 -c 'import sys, urllib.request
open(sys.argv[2], "wb").write(urllib.request.urlopen(sys.argv[1], timeout=2).read())' "$1" "$2" 2>/dev/null
	fi
}
status() { cat "$tmp/status"; }
body() { cat "$tmp/body"; }

# start_serve LISTEN OUTFILE ERRFILE: pid in $serve_pid, port in $port.
start_serve() {
	"$SERVE" "$1" >"$2" 2>"$3" &
	serve_pid=$!
	pids+=("$serve_pid")
	port=
	for _ in $(seq 50); do
		port=$(sed -n 's/^listening //p' "$2")
		[ -n "$port" ] && return 0
		kill -0 "$serve_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

if ! start_serve 127.0.0.1:0 "$tmp/serve.out" "$tmp/serve.err"; then
	notok "metrics_serve listens on 127.0.0.1:0" "$(cat "$tmp/serve.err")"
	exit 1
fi
ok "metrics_serve listens on 127.0.0.1:$port"
base=http://127.0.0.1:$port

fetch GET "$base/metrics"
cp "$tmp/body" "$tmp/metrics.txt"
assert_eq "GET /metrics 200 ($client)" 200 "$(status)"
ctype=$(tr -d '\r' <"$tmp/headers" | sed -n 's/^[Cc]ontent-[Tt]ype: //p')
assert_eq "GET /metrics Content-Type" "text/plain; version=0.0.4; charset=utf-8" "$ctype"
line=$(grep '^bpfjail_decisions_total{action="deny",op="exec",' "$tmp/metrics.txt")
assert_eq "GET /metrics: the decisions counter" \
	'bpfjail_decisions_total{action="deny",op="exec",module="example.com/dependency"} 42' "$line"
line=$(grep '^bpfjail_decisions_total{action="kill"' "$tmp/metrics.txt")
assert_eq "GET /metrics: label value escaping" \
	'bpfjail_decisions_total{action="kill",op="open-write",module="example.com/we\"ird\\mod\nx"} 1' "$line"
line=$(grep '^bpfjail_metrics_label_overflow_total' "$tmp/metrics.txt")
assert_eq "GET /metrics: overflow counted" \
	'bpfjail_metrics_label_overflow_total{metric="bpfjail_decisions_total"} 1' "$line"
missing=
for fam in decisions_total jailed_processes binaries_loaded policy_reloads_total events_dropped_total \
	stack_truncated_total map_entries map_capacity exec_holds_total build_info; do
	grep -q "^# TYPE bpfjail_$fam " "$tmp/metrics.txt" || missing="$missing $fam"
done
assert_eq "GET /metrics: every agent family has HELP/TYPE" "" "$missing"

if command -v promtool >/dev/null 2>&1; then
	if res=$(promtool check metrics <"$tmp/metrics.txt" 2>&1); then
		ok "promtool check metrics"
	else
		notok "promtool check metrics" "$res"
	fi
else
	skip "promtool check metrics" "promtool not installed (Debian package prometheus: make deps)"
fi

fetch HEAD "$base/metrics"
assert_eq "HEAD /metrics 200" 200 "$(status)"
fetch GET "$base/healthz"
assert_eq "GET /healthz 200 ok" "200 ok" "$(status) $(body)"
kill -USR1 "$serve_pid"
sleep 0.2
fetch GET "$base/healthz"
assert_eq "GET /healthz 503 with the reason when unhealthy" "503 unhealthy: test: told to be unhealthy" \
	"$(status) $(body)"
kill -USR2 "$serve_pid"
sleep 0.2
fetch GET "$base/healthz"
assert_eq "GET /healthz 200 again" 200 "$(status)"
fetch GET "$base/nope"
assert_eq "GET /nope 404" 404 "$(status)"
fetch POST "$base/metrics"
assert_eq "POST /metrics 405" 405 "$(status)"

# The same port twice: the second says why and exits 1.
"$SERVE" "127.0.0.1:$port" >/dev/null 2>"$tmp/busy.err" &
busy=$!
pids+=("$busy")
wait "$busy"
rc=$?
if [ $rc -eq 1 ] && grep -q "cannot listen on 127.0.0.1:$port: port already in use" "$tmp/busy.err"; then
	ok "port in use: clear error, exit 1"
else
	notok "port in use: clear error, exit 1" "exit $rc: $(cat "$tmp/busy.err")"
fi

# --- a real Prometheus scrapes the endpoint -------------------------------------
if ! command -v prometheus >/dev/null 2>&1; then
	skip "prometheus scrape" "prometheus not installed (Debian package prometheus: make deps)"
elif ! pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'); then
	notok "prometheus scrape" "no free port for Prometheus"
else
	cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: bpfjail
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF
	timeout 40 prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
		--web.listen-address="127.0.0.1:$pport" --log.level=warn >"$tmp/prom.log" 2>&1 &
	ppid_=$!
	pids+=("$ppid_")
	# Until Prometheus has scraped once (about 2-5 s), at most 20 s.
	value=
	for _ in $(seq 40); do
		kill -0 "$ppid_" 2>/dev/null || break
		if getfile "http://127.0.0.1:$pport/api/v1/query?query=bpfjail_decisions_total" "$tmp/q.json"; then
			value=$(python3 - "$tmp/q.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d.get("data", {}).get("result", []):
    m = r["metric"]
    if m.get("action") == "deny" and m.get("op") == "exec" and m.get("module") == "example.com/dependency":
        print(r["value"][1])
EOF
)
			[ -n "$value" ] && break
		fi
		sleep 0.5
	done
	if [ "$value" = 42 ]; then
		ok "prometheus scrape: /api/v1/query?query=bpfjail_decisions_total -> 42"
	else
		notok "prometheus scrape: /api/v1/query?query=bpfjail_decisions_total -> 42" \
			"got '${value}'; query: $(head -c 300 "$tmp/q.json" 2>/dev/null); log: $(tail -5 "$tmp/prom.log")"
	fi
	# The escaped label value came through whole, and the target is healthy.
	getfile "http://127.0.0.1:$pport/api/v1/targets?state=active" "$tmp/t.json"
	health=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["data"]["activeTargets"]; print(t[0]["health"], t[0]["lastError"] or "-")' "$tmp/t.json" 2>/dev/null)
	assert_eq "prometheus scrape: target up, no scrape error" "up -" "$health"
	getfile "http://127.0.0.1:$pport/api/v1/query?query=bpfjail_decisions_total%7Baction%3D%22kill%22%7D" \
		"$tmp/q2.json"
	module=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["data"]["result"]; print(repr(r[0]["metric"]["module"]))' "$tmp/q2.json" 2>/dev/null)
	assert_eq "prometheus scrape: escaped label value read back" "'example.com/we\"ird\\\\mod\\nx'" "$module"
	kill "$ppid_" 2>/dev/null
	wait "$ppid_" 2>/dev/null
fi

# Clean stop: SIGTERM, exit 0, promptly.
kill -TERM "$serve_pid"
for _ in $(seq 50); do
	kill -0 "$serve_pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$serve_pid" 2>/dev/null; then
	notok "metrics_serve stops on SIGTERM" "still running after 5 s"
else
	wait "$serve_pid"
	assert_eq "metrics_serve stops on SIGTERM, exit 0" 0 "$?"
fi
[ "$T_FAIL" -eq 0 ]
