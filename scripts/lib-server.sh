# Shared by scripts/check-api and scripts/bench-server: start a throwaway ame-server.
# Usage: start_server DIR [extra ame-server args...]; sets SERVER_URL, SERVER_PID, ADMIN_TOKEN.

bin_dir() {
  swift build "$@" --show-bin-path
}

start_server() {
  local dir=$1; shift
  ADMIN_TOKEN="ame_script_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  mkdir -p "$dir"
  AME_ADMIN_TOKEN=$ADMIN_TOKEN AME_ADMIN_USER=${AME_ADMIN_USER:-$(id -un)} \
    "$BIN/ame-server" --host 127.0.0.1 --port 0 --data-dir "$dir/data" --agent "$BIN/ame" --log-level warning "$@" \
    >"$dir/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    if grep -q "listening on " "$dir/server.log" 2>/dev/null; then
      SERVER_URL=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$dir/server.log" | head -1)
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "ame-server exited before listening:" >&2
      cat "$dir/server.log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "ame-server did not start within 60 s" >&2
  cat "$dir/server.log" >&2
  return 1
}

stop_server() {
  if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
}
