#!/usr/bin/env bash
# Starts and stops the interop Kamailio registrar (interop/kamailio/kamailio.cfg)
# on 127.0.0.1 only, and proves the rig with sipp.
#
#   run.sh start ALG PORT DIR   start for ALG (MD5 or SHA-256) on udp:127.0.0.1:PORT,
#                               runtime files (db copy, pid, log) in DIR (created);
#                               waits until it answers OPTIONS, prints its PID
#   run.sh stop DIR             stop the instance started with that DIR (by PID)
#   run.sh probe PORT           exit 0 when something answers OPTIONS on 127.0.0.1:PORT
#   run.sh selftest [PORT]      start MD5 and SHA-256 instances (PORT, PORT+1; default
#                               15060), run the sipp scenarios in interop/sipp against
#                               them, stop both; exit 0 only if every expectation held
#
# Every process started here is stopped by PID (a trap covers selftest).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
KAMAILIO="${KAMAILIO:-kamailio}"
SIPP="${SIPP:-sipp}"

die() { echo "run.sh: $*" >&2; exit 1; }

# One OPTIONS over UDP from bash's /dev/udp; the reply comes back thanks to rport.
probe() {
  local port="$1" reply="" msg
  msg="$(printf 'OPTIONS sip:127.0.0.1:%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK-probe-%s\r\nMax-Forwards: 5\r\nFrom: <sip:probe@shim.test>;tag=p%s\r\nTo: <sip:127.0.0.1:%s>\r\nCall-ID: probe-%s-%s@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n_' \
    "$port" "$$$RANDOM" "$RANDOM" "$port" "$$" "$RANDOM")"
  msg="${msg%_}"   # keep the final CRLFs that $(...) would strip
  { exec 3<>"/dev/udp/127.0.0.1/$port"; } 2>/dev/null || return 1
  # One write() = one datagram. Before start-up the write may fail (ICMP refused).
  { printf '%s' "$msg" >&3; } 2>/dev/null || { exec 3>&-; return 1; }
  # head reads the whole datagram in one read() (bash's read would take one byte).
  reply="$(timeout 1 head -c 12 <&3 2>/dev/null || true)"
  exec 3>&-
  [[ "$reply" == "SIP/2.0 200"* ]]
}

start() {
  local alg="$1" port="$2" dir="$3" defs=()
  case "$alg" in
    MD5) ;;
    SHA-256|SHA256) defs+=(-A SHA256) ;;
    *) die "unknown algorithm $alg (MD5 or SHA-256)" ;;
  esac
  [[ "$port" =~ ^[0-9]+$ ]] || die "bad port $port"
  command -v "$KAMAILIO" >/dev/null || die "kamailio not installed"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if probe "$port"; then die "something already answers on 127.0.0.1:$port"; fi
  rm -rf "$dir/db" && cp -r "$HERE/db" "$dir/db"
  # -DD: the creator stays in the foreground (no daemon), -E: log to stderr.
  # setsid: own process group, so a stray child can be found by group id.
  setsid "$KAMAILIO" -DD -E -f "$HERE/kamailio.cfg" -Y "$dir" -P "$dir/kamailio.pid" \
    -m 32 -M 4 -A "SHIM_PORT=$port" -A "SHIM_DB=\"text://$dir/db\"" "${defs[@]}" \
    </dev/null >"$dir/kamailio.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/launcher.pid"
  local i
  for i in $(seq 1 50); do   # at most ~10 s
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$dir/kamailio.log" >&2; die "kamailio exited during start-up"
    fi
    if probe "$port"; then echo "$pid"; return 0; fi
    sleep 0.2
  done
  stop "$dir"; die "kamailio did not answer OPTIONS on 127.0.0.1:$port"
}

stop() {
  local dir="$1" pid i
  [[ -f "$dir/launcher.pid" ]] || return 0
  pid="$(cat "$dir/launcher.pid")"
  rm -f "$dir/launcher.pid"
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do   # at most ~5 s
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  # Anything left in its process group (setsid made pgid == pid) goes too.
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# run_sipp SCENARIO PORT LOCAL_PORT USER PASS OUT: one call, sipp's exit status
# (0: the call succeeded, 1: it failed). sipp's -p 0 binds 5060, hence LOCAL_PORT.
run_sipp() {
  local scen="$1" port="$2" lport="$3" user="$4" pass="$5" out="$6"
  timeout 20 "$SIPP" 127.0.0.1:"$port" -sf "$ROOT/interop/sipp/$scen" -i 127.0.0.1 -p "$lport" \
    -t u1 -m 1 -l 1 -s "$user" -au "$user" -ap "$pass" \
    -timeout 10s -timeout_error -max_retrans 3 -nostdin \
    -trace_msg -message_file "$out.msg.log" -trace_err -error_file "$out.err.log" \
    -trace_logs -log_file "$out.log" -trace_screen -screen_file "$out.screen.log" \
    >"$out.stdout.log" 2>&1
}

selftest() {
  local base="${1:-15060}" tmp fails=0 total=0 md5 sha
  command -v "$SIPP" >/dev/null || die "sipp not installed (Debian package sip-tester)"
  tmp="$(mktemp -d /tmp/pjshim-kamailio.XXXXXX)"
  trap 'stop "$tmp/md5"; stop "$tmp/sha256"' EXIT
  md5="$(start MD5 "$base" "$tmp/md5")"
  sha="$(start SHA-256 "$((base + 1))" "$tmp/sha256")"
  echo "kamailio MD5 pid $md5 on 127.0.0.1:$base, SHA-256 pid $sha on 127.0.0.1:$((base + 1)); logs in $tmp"

  check() {  # NAME EXPECTED_STATUS SCENARIO PORT LOCAL_PORT USER PASS
    local name="$1" want="$2" rc=0
    run_sipp "$3" "$4" "$5" "$6" "$7" "$tmp/$name" || rc=$?
    total=$((total + 1))
    if [[ "$rc" == "$want" ]]; then
      echo "ok   $name (sipp exit $rc)"
      [[ -f "$tmp/$name.log" ]] && sed 's/^/       /' "$tmp/$name.log" && echo
    else
      echo "FAIL $name (sipp exit $rc, want $want); see $tmp/$name.*"
      fails=$((fails + 1))
    fi
  }
  # MD5: right password registers (binding listed, then removed); wrong one is
  # challenged again, never 200; the same scenario with the right password
  # must fail, or it could not catch a 200.
  check md5-register 0 register_auth.xml "$base" "$((base + 10))" alice secret
  check md5-register-bob 0 register_auth.xml "$base" "$((base + 11))" bob b0b-pass
  check md5-wrongpass 0 register_wrongpass.xml "$base" "$((base + 12))" alice wrong
  check md5-wrongpass-control 1 register_wrongpass.xml "$base" "$((base + 13))" alice secret
  # SHA-256: the challenge says algorithm=SHA-256; a wrong SHA-256 response and an
  # MD5-style answer are rejected. (sipp 3.6 computes only MD5/AKA digests; the
  # positive SHA-256 registration is in tests/kamailio.rs.)
  check sha256-reject 0 register_sha256_reject.xml "$((base + 1))" "$((base + 14))" alice secret

  stop "$tmp/md5"; stop "$tmp/sha256"; trap - EXIT
  if [[ "$fails" -eq 0 ]]; then
    echo "$total passed, 0 failed"; rm -rf "$tmp"
  else
    echo "$((total - fails)) passed, $fails failed"; exit 1
  fi
}

case "${1:-}" in
  start) [[ $# -eq 4 ]] || die "usage: run.sh start ALG PORT DIR"; start "$2" "$3" "$4" ;;
  stop) [[ $# -eq 2 ]] || die "usage: run.sh stop DIR"; stop "$2" ;;
  probe) [[ $# -eq 2 ]] || die "usage: run.sh probe PORT"; probe "$2" ;;
  selftest) selftest "${2:-15060}" ;;
  *) sed -n '2,15p' "$0"; exit 2 ;;
esac
