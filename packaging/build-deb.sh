#!/usr/bin/env bash
# Builds the Debian package target/debian/tsos_<version>_amd64.deb: the release binary, then
# the manual pages and shell completions that this binary writes from its own flags (so they
# cannot drift from them), then `cargo deb` around them. The package's contents are declared in
# crates/tsos-cli/Cargo.toml ([package.metadata.deb]); packaging/check-deb.sh checks them.
#
# Needs cargo-deb: cargo install cargo-deb --locked --version 3.8.0
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-deb >/dev/null; then
    echo "build-deb.sh: нет cargo-deb; установите: cargo install cargo-deb --locked --version 3.8.0" >&2
    exit 1
fi

# cargo-deb finds the generated files under the profile's folder of the target folder (its
# «target/release» in Cargo.toml), wherever CARGO_TARGET_DIR or a cargo config puts it.
target=$(cargo metadata --format-version 1 --no-deps --locked |
    grep -o '"target_directory":"[^"]*"' | cut -d'"' -f4)
# --profile dev packages the debug binary the tests built: CI checks the packaging without a
# release build of its own (about 10 min on 2 cores). A package to install is built in release.
profile=release dir=release
if [[ "${1:-}" == "--profile" && "${2:-}" == "dev" ]]; then
    profile=dev dir=debug
fi
generated=$target/$dir/packaging

cargo build --profile "$profile" --locked -p tsos-cli --bin tsos
rm -rf "$generated"
"$target/$dir/tsos" generate man "$generated/man"
# -n: no name or time stamp inside, so the same pages give the same bytes.
gzip -9n "$generated"/man/*.1
"$target/$dir/tsos" generate completions "$generated/completions"

cargo deb -p tsos-cli --no-build --profile "$profile"
