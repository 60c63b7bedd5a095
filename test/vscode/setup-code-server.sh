#!/usr/bin/env bash
# What the browser and VS Code suites need from outside npm, installed before the first of them:
# Debian's chromium (the browser tests, and the window on code-server), the Debian packages that
# code-server's install scripts need, and code-server (VS Code built for a browser, with a Node
# extension host) from the npm registry into the git-ignored .vscode-host/. Nothing is fetched
# from outside the npm registry and Debian's archive. Idempotent: once all is there, it only
# checks and returns.
#
# As root, missing Debian packages are installed with apt-get. As anyone else, it installs nothing
# from Debian: it stops at once with one line saying what to install and how (exit 1).
#
# Usage: bash test/vscode/setup-code-server.sh
#   CHROMIUM=/path/to/chromium   the browser to use (default /usr/bin/chromium, Debian's)
set -euo pipefail

# 4.100.3 (= VS Code 1.100.3) is the last code-server whose engines accept Node 20; keep it in step
# with engines.vscode and @types/vscode in package.json. Keep it in step with host.ts too.
CODE_SERVER_VERSION=4.100.3
# @vscode/ripgrep (a dependency of VS Code) downloads rg from GitHub in its postinstall unless its
# download cache, under $TMPDIR, already holds the archive. These names come from that package.
RIPGREP_PKG_VERSION=1.15.11
RIPGREP_RELEASE=v13.0.0-10

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HOST_DIR="$ROOT/.vscode-host"
STAMP="$HOST_DIR/installed-code-server-$CODE_SERVER_VERSION"
CODE_SERVER_BIN="$HOST_DIR/node_modules/.bin/code-server"
t0=$(date +%s)

# Debian packages: chromium opens the workbench; ripgrep replaces @vscode/ripgrep's GitHub
# download; libkrb5-dev, g++, make and python3 build the `kerberos` native module from source
# (its prebuilt binary comes from GitHub, which cannot be reached); curl is used by scripts.
APT_FOR_NPM=(ripgrep libkrb5-dev g++ make python3)
APT_OTHERS=(curl)
DEBIAN_CHROMIUM=/usr/bin/chromium

missing_debs() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

apt_install() {
  [ $# -gt 0 ] || return 0
  echo "setup-code-server: apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# A browser named by CHROMIUM must be there: no package would put it at that path.
if [ -n "${CHROMIUM:-}" ] && [ ! -x "$CHROMIUM" ]; then
  echo "setup-code-server: there is no browser at CHROMIUM=$CHROMIUM: point CHROMIUM at a Chromium, or unset it to use Debian's ($DEBIAN_CHROMIUM, which npm test installs as root)" >&2
  exit 1
fi

mapfile -t need_for_npm < <(missing_debs "${APT_FOR_NPM[@]}")
mapfile -t need_others < <(missing_debs "${APT_OTHERS[@]}")
if [ -z "${CHROMIUM:-}" ] && [ ! -x "$DEBIAN_CHROMIUM" ]; then need_others+=(chromium); fi
missing=("${need_for_npm[@]}" "${need_others[@]}")

if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" -ne 0 ]; then
  echo "setup-code-server: the tests need Debian packages that are missing: install them with \`sudo apt-get install -y --no-install-recommends ${missing[*]}\`, then run npm test again (as root, npm test installs them itself)" >&2
  exit 1
fi

if [ -f "$STAMP" ] && [ -x "$CODE_SERVER_BIN" ] && [ ${#missing[@]} -eq 0 ]; then
  echo "setup-code-server: code-server $CODE_SERVER_VERSION already installed in .vscode-host/"
  exit 0
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-code-server: apt-get update"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
fi
# The packages npm's install scripts need come first; chromium (the big one) is installed while npm
# works, since the two do not depend on each other.
apt_install "${need_for_npm[@]}"
apt_pid=
if [ ${#need_others[@]} -gt 0 ]; then
  apt_install "${need_others[@]}" & apt_pid=$!
fi

if [ ! -f "$STAMP" ]; then
  rm -rf "$HOST_DIR/node_modules" "$HOST_DIR/package-lock.json"
  mkdir -p "$HOST_DIR"
  echo '{ "name": "gradlens-vscode-host", "private": true, "description": "code-server for the tests; see test/vscode/README.md" }' \
    > "$HOST_DIR/package.json"

  # Seed @vscode/ripgrep's download cache with Debian's rg (an archive holding one file, `rg`).
  case "$(uname -m)" in
    x86_64) rg_target=x86_64-unknown-linux-musl ;;
    aarch64) rg_target=aarch64-unknown-linux-musl ;;
    *) echo "setup-code-server: unsupported CPU $(uname -m)" >&2; exit 1 ;;
  esac
  export TMPDIR="$HOST_DIR/tmp"
  rg_cache="$TMPDIR/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION"
  mkdir -p "$rg_cache" "$TMPDIR/rg-seed"
  cp "$(command -v rg)" "$TMPDIR/rg-seed/rg"
  tar czf "$rg_cache/ripgrep-$RIPGREP_RELEASE-$rg_target.tar.gz" -C "$TMPDIR/rg-seed" rg

  echo "setup-code-server: npm install code-server@$CODE_SERVER_VERSION"
  # npm_config_dangerously_allow_all_scripts: npm >= 11.x skips dependencies' install scripts unless
  #   approved, and code-server's postinstall (which runs a nested `npm install` in lib/vscode for
  #   the native modules) must run. An env var reaches that nested npm too; older npm ignores it.
  # npm_config_yes: node-pty's install script runs `npx node-gyp`, which aborts without a TTY.
  # --unsafe-perm: code-server's postinstall refuses to run as root without it (npm 11 warns that
  #   it does not know the flag, and passes it on).
  (cd "$HOST_DIR" &&
    npm_config_dangerously_allow_all_scripts=true npm_config_yes=true \
      npm install --no-audit --no-fund --save-exact --prefer-offline --loglevel=error --unsafe-perm \
      "code-server@$CODE_SERVER_VERSION")

  vscode_modules="$HOST_DIR/node_modules/code-server/lib/vscode/node_modules"
  for f in @vscode/ripgrep/bin/rg node-pty/build/Release/pty.node kerberos/build/Release/kerberos.node; do
    [ -e "$vscode_modules/$f" ] || { echo "setup-code-server: missing $vscode_modules/$f after install" >&2; exit 1; }
  done
  rm -rf "$TMPDIR"
  unset TMPDIR
fi

if [ -n "$apt_pid" ]; then wait "$apt_pid"; fi
browser=${CHROMIUM:-$DEBIAN_CHROMIUM}
[ -x "$browser" ] || { echo "setup-code-server: apt-get installed chromium, yet there is no browser at $browser" >&2; exit 1; }

# Smoke check, with its config kept out of ~/.config.
version_dir=$(mktemp -d)
XDG_CONFIG_HOME="$version_dir" XDG_DATA_HOME="$version_dir" "$CODE_SERVER_BIN" --version 2>/dev/null | grep 'with Code' 
rm -rf "$version_dir"
"$browser" --version 2>/dev/null
touch "$STAMP"
echo "setup-code-server: done in $(( $(date +%s) - t0 ))s"
