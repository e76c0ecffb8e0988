#!/usr/bin/env bash
# Runs every test of kehu on a fresh machine: Rust (fmt, clippy, tests), Python (pytest against
# the built wheel in a fresh venv), Node (node --test), Kotlin (on the JVM, against a host build;
# Swift sources are generated too). Installs what it needs: Debian packages (JNA, Java, Node if
# absent), Python packages in venvs under target/tools, npm packages, the Kotlin compiler (npm).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TOOLS="$ROOT/target/tools"
mkdir -p "$TOOLS"

step() { printf '\n==> %s\n' "$*"; }

step "prerequisites"
missing=()
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
dpkg -s libjna-java >/dev/null 2>&1 || missing+=(libjna-java)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
JNA=$(dpkg -L libjna-java | grep 'jna.jar$' | head -1)
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
if [ ! -x "$TOOLS/venv-build/bin/maturin" ]; then
  python3 -m venv "$TOOLS/venv-build"
  "$TOOLS/venv-build/bin/pip" install -q --upgrade pip
  "$TOOLS/venv-build/bin/pip" install -q "maturin>=1.16,<2"
fi
KOTLIN="$TOOLS/kotlin/node_modules/kotlin-compiler"
if [ ! -x "$KOTLIN/bin/kotlinc" ]; then
  npm install --silent --no-audit --no-fund --prefix "$TOOLS/kotlin" kotlin-compiler@2.4 >/dev/null
fi

step "Rust: format, lints, tests"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace

step "Python: build the wheel, install it in a fresh venv, run pytest"
rm -rf target/wheels
(cd bindings/python && "$TOOLS/venv-build/bin/maturin" build --release --out "$ROOT/target/wheels")
rm -rf "$TOOLS/venv-test"
python3 -m venv "$TOOLS/venv-test"
"$TOOLS/venv-test/bin/pip" install -q --upgrade pip
"$TOOLS/venv-test/bin/pip" install -q "$ROOT"/target/wheels/kehu-*.whl pytest polars lifetimes scipy matplotlib scikit-learn kmodes
(cd "$(mktemp -d)" && "$TOOLS/venv-test/bin/python" -m pytest -q --import-mode=importlib "$ROOT/bindings/python/tests")

step "Node: build the addon, run node --test"
(cd bindings/node \
  && npm install --no-audit --no-fund --loglevel=error \
  && npx napi build --platform --release --js native.js --dts native.d.ts \
  && node --test test/)

step "Kotlin and Swift: build the library, generate bindings, run the Kotlin tests on the JVM"
cargo build -p kehu-mobile --release
rm -rf target/uniffi target/kotlin-tests
cargo run -q -p kehu-mobile --release --features cli --bin uniffi-bindgen -- \
  generate target/release/libkehu_mobile.so --language kotlin --language swift --no-format --out-dir target/uniffi
test -s target/uniffi/Kehu.swift
"$KOTLIN/bin/kotlinc" target/uniffi/kehu/kehu_mobile.kt bindings/mobile/tests/kotlin/KehuTest.kt \
  -cp "$JNA" -d target/kotlin-tests/tests.jar -nowarn
java -cp "target/kotlin-tests/tests.jar:$JNA:$KOTLIN/lib/kotlin-stdlib.jar" -Djna.library.path=target/release \
  KehuTestKt testdata/golden_profile.json testdata/golden_value.json testdata/golden_segment.json
