# Shared by scripts/run, scripts/test and scripts/bench: finds or installs every tool the
# build needs, builds the wasm client and the server once. Sourced, not run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# One cargo target folder outside the clone, reused by every clone and run.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/switchboard/target}"
export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"
for pgbin in /usr/lib/postgresql/*/bin; do [ -d "$pgbin" ] && export PATH="$PATH:$pgbin"; done

TRUNK_VERSION="0.21.14"
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, "", $0); print; exit }' Cargo.lock)"

step() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root for: $*" >&2; return 1; fi
}

APT_UPDATED=""
apt_install() {
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

ensure_rust() {
  if ! command -v cargo >/dev/null; then
    echo "cargo is missing: install Rust with rustup (https://rustup.rs) first." >&2; exit 1
  fi
  if ! rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then
    step "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_trunk() {
  if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
    step "installing trunk $TRUNK_VERSION - one time, several minutes"
    cargo install "trunk@$TRUNK_VERSION" --locked
  fi
}

ensure_wasm_bindgen() {
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION - one time, a few minutes"
    # Without --locked: its own lock file pins crates that need a newer rustc.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
}

WASM_SPLIT_VERSION="0.2.4"
ensure_wasm_split() {
  if ! cargo install --list 2>/dev/null | grep -q "^wasm_split_cli_support v$WASM_SPLIT_VERSION"; then
    step "installing wasm-split-cli $WASM_SPLIT_VERSION - one time, a few minutes"
    cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary
  fi
}

ensure_npm_packages() {
  if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -x end2end/node_modules/.bin/esbuild ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    step "installing npm packages (wasm-opt, esbuild, Playwright, axe-core)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
}

ensure_chromium() {
  if ! command -v chromium >/dev/null; then
    step "installing Chromium for the browser tests (apt)"
    apt_install chromium
  fi
}

ensure_postgres_programs() {
  if ! command -v initdb >/dev/null || ! command -v pg_ctl >/dev/null; then
    step "installing PostgreSQL's programs (apt)"
    apt_install postgresql
    for pgbin in /usr/lib/postgresql/*/bin; do [ -d "$pgbin" ] && export PATH="$PATH:$pgbin"; done
  fi
}

# The IMAP tests run a private Dovecot (its package's own service is not started).
ensure_dovecot() {
  if ! command -v dovecot >/dev/null; then
    step "installing Dovecot for the IMAP tests (apt)"
    apt_install dovecot-imapd
  fi
}

# Cargo names a workspace crate's artifacts by its path relative to the workspace, so two
# clones sharing the target folder would pass each other's builds off as fresh. Drop our own
# crates' artifacts once per run (dependencies stay cached) so this clone's sources build.
forget_other_clones() {
  if [ -z "${SWITCHBOARD_CRATES_FRESH:-}" ]; then
    cargo clean -q --release -p app -p server -p frontend 2>/dev/null || true
    cargo clean -q --profile wasm-release --target wasm32-unknown-unknown -p app -p frontend 2>/dev/null || true
    cargo clean -q --release --target wasm32-unknown-unknown -p app -p frontend 2>/dev/null || true
    export SWITCHBOARD_CRATES_FRESH=1
  fi
}

build_client() {
  forget_other_clones
  # Two clients from one crate: the settings client (`/admin/*` pages, feature `settings`)
  # goes into pkg/settings; the workspace client, which every agent loads, into pkg.
  step "building the settings wasm client (trunk, release)"
  trunk build --release --dist "$ROOT/target/site/pkg-settings" "$ROOT/frontend/settings.html" 2>&1 | grep -vE '^\s*$' | tail -n 3
  step "building the workspace wasm client (trunk, release)"
  trunk build --release 2>&1 | grep -vE '^\s*$' | tail -n 3
  rm -rf "$ROOT/target/site/pkg/settings"
  mv "$ROOT/target/site/pkg-settings" "$ROOT/target/site/pkg/settings"
  # Pre-compress once at the highest settings; the server sends these as they are.
  node -e '
    const zlib = require("zlib"), fs = require("fs"), dir = process.argv[1];
    for (const folder of [dir, dir + "/settings"]) for (const name of fs.readdirSync(folder)) {
      if (!/\.(js|wasm)$/.test(name)) continue;
      const data = fs.readFileSync(folder + "/" + name);
      fs.writeFileSync(folder + "/" + name + ".br", zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
      fs.writeFileSync(folder + "/" + name + ".gz", zlib.gzipSync(data, { level: 9 }));
    }' "$ROOT/target/site/pkg"
}

# The first load of each wasm client (main module, JS glue, chunk loader; brotli, as sent)
# against its budget: 250 KB. Prints both; fails when one is over.
FIRST_LOAD_BUDGET=256000
first_load_budget() {
  node -e '
    const fs = require("fs"), [dir, budget] = [process.argv[1], Number(process.argv[2])];
    let over = false;
    for (const [client, folder] of [["workspace", dir], ["settings", dir + "/settings"]]) {
      const bytes = ["frontend_bg.wasm", "frontend.js", "__wasm_split.js"]
        .map((name) => fs.statSync(folder + "/" + name + ".br").size).reduce((a, b) => a + b, 0);
      console.log(`${client} client first load: ${bytes} bytes brotli (${(bytes / 1024).toFixed(1)} KB; budget ${budget})`);
      if (bytes > budget) over = true;
    }
    process.exit(over ? 1 : 0);
  ' "$ROOT/target/site/pkg" "$FIRST_LOAD_BUDGET"
}

build_server() {
  forget_other_clones
  step "building the server (cargo, release)"
  cargo build --release -p server --bins
}

SERVER_BIN() { echo "$CARGO_TARGET_DIR/release/switchboard"; }
export SWITCHBOARD_SITE="$ROOT/target/site"
