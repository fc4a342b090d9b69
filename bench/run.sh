#!/usr/bin/env bash
# The side-by-side macro benchmark (docs/performance.md). One command:
#
#   bash bench/run.sh            # full run, about 5 minutes
#   bash bench/run.sh --quick    # shorter and smaller, about 2 minutes (numbers less stable)
#
# Installs its peers from Debian (wrk, nghttp2-client for h2load, nginx-light) when missing and
# run as root, builds ixh Release into build/release, starts nginx from a config written into a
# temporary directory (127.0.0.1 on a free port), and runs each pair with both clients pinned to
# one CPU and the server to another. Rows 1-3 run both the engine alone (ixh_driver_bench) and
# `ixh run` in load mode (bench/scenarios/load_*.json, closed loop on one worker, every response
# checked), reading its JSON report. Prints a table of ratios and writes every raw result to
# out/bench/<UTC time>/ (results.json, table.md, logs). All load goes to 127.0.0.1, every run is
# bounded in time, and nginx and the mock are stopped on exit.
#
# Environment: IXH_BENCH_SECONDS (10), IXH_BENCH_CONNS (50), IXH_BENCH_STREAMS (10000),
# IXH_BENCH_MOCK_STREAMS (5000), IXH_BENCH_FIDELITY_STREAMS (1000), IXH_BENCH_NO_INSTALL=1,
# IXH_BENCH_ROWS (e.g. "4,5": run only those rows; default all five).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

seconds=${IXH_BENCH_SECONDS:-10}
conns=${IXH_BENCH_CONNS:-50}
driver_streams=${IXH_BENCH_STREAMS:-10000}
mock_streams=${IXH_BENCH_MOCK_STREAMS:-5000}
fidelity_streams=${IXH_BENCH_FIDELITY_STREAMS:-1000}
rows=",${IXH_BENCH_ROWS:-1,2,3,4,5},"
want() { [[ "$rows" == *",$1,"* ]]; }
if [[ "${1:-}" == "--quick" ]]; then
  seconds=3
  driver_streams=${IXH_BENCH_STREAMS:-2000}
  mock_streams=${IXH_BENCH_MOCK_STREAMS:-1000}
  fidelity_streams=${IXH_BENCH_FIDELITY_STREAMS:-200}
fi

# --- peers and build -----------------------------------------------------------------------------
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v h2load >/dev/null || need+=(nghttp2-client)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need+=(nginx-light)
if ((${#need[@]})) && [[ -z "${IXH_BENCH_NO_INSTALL:-}" ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "bench: missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
scripts/build.sh build/release -DCMAKE_BUILD_TYPE=Release -DIXH_TESTS=OFF -DIXH_BENCH=ON
bin=build/release

# --- pinning -------------------------------------------------------------------------------------
cpus=$(nproc)
if ((cpus >= 2)); then
  client_cpu=0
  server_cpu=$((cpus - 1))
  client=(taskset -c "$client_cpu")
  server=(taskset -c "$server_cpu")
else
  client=()
  server=()
fi

out="out/bench/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
tmp=$(mktemp -d /tmp/ixh-bench.XXXXXX)
chmod 0755 "$tmp"  # nginx's worker runs as an unprivileged user and must read the payloads
nginx_pid=
mock_pid=
cleanup() {
  [[ -n "$nginx_pid" ]] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  [[ -n "$mock_pid" ]] && kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits until something accepts on 127.0.0.1:$1.
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench: nothing listens on port $1" >&2
  return 1
}

# --- nginx ---------------------------------------------------------------------------------------
mkdir -p "$tmp/www" "$tmp/nginx"
"$bin/ixh_bench_payload" interaction bench.get 256 >"$tmp/www/get.json"
"$bin/ixh_bench_payload" stream bench.sse 2000 64 >"$tmp/www/stream.sse"
"$bin/ixh_bench_payload" final bench.sse 2000 64 >"$tmp/www/stream_final.json"
"$bin/ixh_bench_payload" stream slow 20000 64 >"$tmp/www/slow.sse"
# The ixh run row of 3: 8 deltas trickled at 256 B/s end after about 15 s.
"$bin/ixh_bench_payload" stream trickle 8 64 >"$tmp/www/trickle.sse"
"$bin/ixh_bench_payload" final trickle 8 64 >"$tmp/www/trickle_final.json"
sse_events=$(grep -c '^event:' "$tmp/www/stream.sse")
nginx_port=$(free_port)
# The JSON body goes into a single-quoted nginx string: it holds no quote or backslash.
get_body=$(cat "$tmp/www/get.json")
# shellcheck disable=SC2016  # \$iid is nginx's variable, not the shell's
get_body_any=${get_body//\"id\":\"bench.get\"/\"id\":\"\$iid\"}
[[ $get_body_any != "$get_body" ]] || { echo "bench: the GET payload has no id to replace" >&2; exit 1; }
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
worker_rlimit_nofile $(ulimit -Hn);
events { worker_connections $(($(ulimit -Hn) - 100)); use epoll; multi_accept on; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx;
  proxy_temp_path $tmp/nginx;
  fastcgi_temp_path $tmp/nginx;
  uwsgi_temp_path $tmp/nginx;
  scgi_temp_path $tmp/nginx;
  sendfile on;
  tcp_nopush on;
  # One shared descriptor per payload file, not one per connection (10,000 streams).
  open_file_cache max=16 inactive=120s;
  keepalive_timeout 65;
  keepalive_requests 10000000;
  types { }
  server {
    listen 127.0.0.1:$nginx_port backlog=4096;
    root $tmp/www;
    # The GET the peers and the driver bench fetch: a finished seed interaction as JSON.
    location = /v1beta/interactions/bench.get {
      default_type application/json;
      return 200 '$get_body';
    }
    # One whole seed stream, served as a static file.
    location = /v1beta/interactions/bench.sse {
      default_type text/event-stream;
      try_files /stream.sse =404;
    }
    # Long streams trickled at 256 bytes/s each (about one event a second): concurrency.
    location ^~ /v1beta/interactions/slow. {
      default_type text/event-stream;
      limit_rate 256;
      limit_rate_after 0;
      try_files /slow.sse =404;
    }
    # ixh run adds a suffix to every template (sse.<run>-w0-<n>), so these match by regex and
    # answer the stream for stream=true and, otherwise, the interaction it ends in (the GET a
    # stream step makes to compare the text). These canned payloads name the interaction they
    # were generated for, not the one asked for, so the ixh run rows that stream from them skip
    # id.matches_request (rewriting every event with sub_filter would make nginx the bottleneck).
    location ~ ^/v1beta/interactions/sse\.[^/]+\$ {
      if (\$arg_stream = "true") { rewrite ^ /_bench/sse/stream last; }
      rewrite ^ /_bench/sse/final last;
    }
    location ~ ^/v1beta/interactions/trickle\.[^/]+\$ {
      if (\$arg_stream = "true") { rewrite ^ /_bench/trickle/stream last; }
      rewrite ^ /_bench/trickle/final last;
    }
    location = /_bench/sse/stream {
      internal;
      default_type text/event-stream;
      try_files /stream.sse =404;
    }
    location = /_bench/sse/final {
      internal;
      default_type application/json;
      try_files /stream_final.json =404;
    }
    # The same 256 B/s trickle as slow.<id>, but a stream that ends (about 15 s).
    location = /_bench/trickle/stream {
      internal;
      default_type text/event-stream;
      limit_rate 256;
      limit_rate_after 0;
      try_files /trickle.sse =404;
    }
    location = /_bench/trickle/final {
      internal;
      default_type application/json;
      try_files /trickle_final.json =404;
    }
    # Every other interaction id (ixh run's bench.<run>-w0-<n>): the same finished interaction,
    # naming the id asked for.
    location ~ ^/v1beta/interactions/(?<iid>[^/]+)\$ {
      default_type application/json;
      return 200 '$get_body_any';
    }
  }
}
EOF
"${server[@]}" "$nginx_bin" -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" >"$out/nginx.log" 2>&1 &
nginx_pid=$!
wait_port "$nginx_port"
nginx_url="http://127.0.0.1:$nginx_port"

# --- mock ----------------------------------------------------------------------------------------
start_mock() {  # log-name mock-args...
  local port log=$1
  shift
  port=$(free_port)
  "${server[@]}" "$bin/ixh" mock bench/scenarios/bench.json --listen "127.0.0.1:$port" \
    --max-connections $((mock_streams + 1000)) "$@" >"$out/mock_$log.log" 2>&1 &
  mock_pid=$!
  wait_port "$port"
  mock_url="http://127.0.0.1:$port"
}
stop_mock() {
  kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null || true
  mock_pid=
}

# --- measurements --------------------------------------------------------------------------------
run_wrk() {  # name url conns
  "${client[@]}" wrk -t1 -c "$3" -d "${seconds}s" --latency "$2" >"$out/$1.txt" 2>&1 || true
}
run_h2load() {  # name url conns
  "${client[@]}" h2load --h1 -t1 -c "$3" -D "$seconds" "$2" >"$out/$1.txt" 2>&1 || true
}
run_driver() {  # name args...
  local name=$1
  shift
  "${client[@]}" "$bin/ixh_driver_bench" "$@" >"$out/$name.json" 2>"$out/$name.err" || true
}
# The load engine itself: a closed loop of N users on one worker thread, every response checked.
run_ixh() {  # vus name scenario args...
  local vus=$1 name=$2 scenario=$3
  shift 3
  "${client[@]}" "$bin/ixh" run "$scenario" --target "$nginx_url" --dialect seed --vus "$vus" \
    --workers 1 --quiet --json "$out/$name.json" "$@" >"$out/$name.txt" 2>&1 || true
}
settle() { sleep 1; }

echo "== machine"
{
  lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|Socket|CPU MHz)' || true
  uname -r
  uptime
} | tee "$out/machine.txt"
uptime >"$out/load_before.txt"

if want 1; then
  echo "== 1. driver capacity: GETs of nginx 'return 200' ($conns connections, ${seconds}s each)"
  run_wrk wrk_get "$nginx_url/v1beta/interactions/bench.get" "$conns"; settle
  run_driver ixh_engine_get get --url "$nginx_url/v1beta/interactions/bench.get" \
    --inflight "$conns" --duration "$seconds"; settle
  run_driver ixh_engine_fetch fetch --base "$nginx_url" --id bench.get --inflight "$conns" \
    --duration "$seconds"; settle
  run_h2load h2load_get "$nginx_url/v1beta/interactions/bench.get" "$conns"; settle
  run_ixh "$conns" ixh_run_get bench/scenarios/load_get.json --duration "${seconds}s"; settle
fi

if want 2; then
  echo "== 2. driver SSE throughput: a $sse_events-event seed stream from nginx (8 connections)"
  run_wrk wrk_sse "$nginx_url/v1beta/interactions/bench.sse?stream=true" 8; settle
  run_driver ixh_engine_sse sse --base "$nginx_url" --id bench.sse --inflight 8 \
    --duration "$seconds"; settle
  run_ixh 8 ixh_run_sse bench/scenarios/load_sse.json --duration "${seconds}s" \
    --skip-check id.matches_request; settle
fi

if want 3; then
  echo "== 3. driver concurrency: $driver_streams live streams from one thread (nginx, 256 B/s each)"
  # The engine alone (bytes counted, nothing kept): what a live connection itself costs.
  run_driver ixh_engine_streams_bare_1k streams --base "$nginx_url" --id slow \
    --count "$driver_streams" --hold 20 --buffer 1024 --bare 1; settle
  run_driver ixh_engine_streams_bare streams --base "$nginx_url" --id slow \
    --count "$driver_streams" --hold 20 --buffer 4096 --bare 1; settle
  # Every event decoded and kept for the checks, as ixh does.
  run_driver ixh_engine_streams_1k streams --base "$nginx_url" --id slow --count "$driver_streams" \
    --hold 20 --buffer 1024; settle
  run_driver ixh_engine_streams streams --base "$nginx_url" --id slow --count "$driver_streams" \
    --hold 20 --buffer 4096; settle
  echo "== 3. the same with ixh run: $driver_streams users each holding one 15-second stream"
  for buffer in 4096 1024; do
    name=ixh_run_streams
    [[ $buffer == 1024 ]] && name=ixh_run_streams_1k
    python3 bench/proc_watch.py "$out/${name}_proc.json" -- \
      "${client[@]}" "$bin/ixh" run bench/scenarios/load_trickle.json --target "$nginx_url" \
      --dialect seed --vus "$driver_streams" --iterations "$driver_streams" --workers 1 --quiet \
      --stream-buffer "$buffer" --skip-check id.matches_request --json "$out/$name.json" \
      >"$out/$name.txt" 2>&1 || true
    settle
  done
fi

if want 4; then
  echo "== 4. mock: JSON GETs vs nginx 'return 200' (wrk, $conns connections)"
  start_mock get
  run_wrk wrk_mock_get "$mock_url/v1beta/interactions/get.w" "$conns"; settle
  run_wrk wrk_nginx_get "$nginx_url/v1beta/interactions/bench.get" "$conns"; settle
  stop_mock
  # A mock of its own, so its shutdown line counts only these streams' events.
  start_mock streams
  echo "== 4. mock: $mock_streams concurrent 10-second streams, 100 ms gaps"
  run_driver mock_streams streams --base "$mock_url" --id live --count "$mock_streams" \
    --hold 60 --gap-ms 100 --buffer 4096 --server-pid "$mock_pid"
  stop_mock; settle
fi

if want 5; then
  echo "== 5. timing fidelity: $fidelity_streams streams with 10 ms gaps"
  start_mock fidelity
  run_driver fidelity streams --base "$mock_url" --id fine --count "$fidelity_streams" \
    --hold 60 --gap-ms 10 --buffer 4096 --server-pid "$mock_pid"
  stop_mock
fi

uptime >"$out/load_after.txt"
python3 bench/report.py "$out" --sse-events "$sse_events" --rows "${rows//[^0-9,]/}" | tee "$out/table.md"
echo "raw results: $out"
