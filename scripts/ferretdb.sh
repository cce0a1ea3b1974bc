#!/usr/bin/env bash
# Installs (once, cached) and runs FerretDB, the MongoDB wire-protocol server the test suite and the
# benchmark use when no MONGODB_URI is given. MongoDB itself is not installable on our machines.
#
#   scripts/ferretdb.sh install            -> prints the binary's path
#   scripts/ferretdb.sh start <port> <dir> -> runs FerretDB in the foreground on 127.0.0.1:<port> (exec: its pid is FerretDB's)
#   scripts/ferretdb.sh run <port> <dir>   -> the same for people: prints the URI once it listens
#
# FerretDB is built as a library into a tiny launcher of ours rather than with `go install` or by
# building its cmd/ferretdb package: whenever FerretDB's own module is the binary's main module it
# expects a release-time version file that the published module does not ship, and panics at start.
set -euo pipefail

FERRETDB_VERSION="${FERRETDB_VERSION:-v1.24.2}"
CACHE_DIR="${FERRETDB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dcr-authorization-server}"
# Bump when the launcher below changes, so that cached binaries are rebuilt.
LAUNCHER_REVISION=3
BIN="$CACHE_DIR/ferretdb-$FERRETDB_VERSION-launcher$LAUNCHER_REVISION"

install() {
  if [ -x "$BIN" ]; then echo "$BIN"; return; fi
  command -v go >/dev/null || { echo "ferretdb.sh: Go is needed to build FerretDB" >&2; exit 1; }
  mkdir -p "$CACHE_DIR"
  local work; work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  (
    cd "$work"
    export GOFLAGS=-mod=mod
    go mod init ferretdb-launcher >/dev/null 2>&1
    write_launcher > main.go
    go get "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" >&2
    go mod tidy >&2
    go build -o "$BIN.tmp" . >&2
  )
  mv "$BIN.tmp" "$BIN"
  echo "$BIN"
}

write_launcher() {
  cat <<'GO'
// A minimal FerretDB launcher: SQLite backend, one TCP listener, stops on SIGINT/SIGTERM, and
// when the process that started it dies (a test run killed before its teardown).
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	sqliteURL := flag.String("sqlite-url", "file:data/", "SQLite directory URI")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	server, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: *sqliteURL,
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		parent := os.Getppid()
		for range time.Tick(time.Second) {
			if os.Getppid() != parent {
				stop()
				return
			}
		}
	}()
	if err := server.Run(ctx); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}
GO
}

start() {
  local port="$1" dir="$2"
  mkdir -p "$dir"
  exec "$(install)" --sqlite-url="file:$dir/" --listen-addr="127.0.0.1:$port"
}

# For people (npm run mongodb:local): starts FerretDB, says where it listens once it does, and
# how to point the server at it, then runs until Ctrl-C.
run() {
  local port="$1" dir="$2" bin pid
  bin="$(install)"
  mkdir -p "$dir"
  "$bin" --sqlite-url="file:$dir/" --listen-addr="127.0.0.1:$port" &
  pid=$!
  trap 'kill "$pid" 2>/dev/null; wait "$pid"; exit 0' INT TERM
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "FerretDB (the MongoDB wire protocol) listens on mongodb://127.0.0.1:$port, its data in $dir; Ctrl-C stops it."
      echo "Start the server against it, in another terminal:"
      echo "  MONGODB_URI=mongodb://127.0.0.1:$port/authz ENCRYPTION_KEY='a-local-secret-of-at-least-32-characters' npm start"
      break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  wait "$pid"
}

case "${1:-}" in
  install) install ;;
  start) shift; start "$@" ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 install | start <port> <dir> | run <port> <dir>" >&2; exit 2 ;;
esac
