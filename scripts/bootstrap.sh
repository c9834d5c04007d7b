#!/usr/bin/env bash
# Installs the tools the Makefile needs, idempotently and quietly when they are already there:
#   - the rustfmt and clippy components (make lint / make test),
#   - with --arm64: the aarch64-unknown-linux-gnu target (cargo lambda build --arm64, sam build),
#   - a project-local venv .venv with scripts/requirements.txt from PyPI
#     (cargo-lambda + ziglang, moto_server, aws-sam-cli).
# A stamp file named after the hash of requirements.txt (and the interpreter) makes repeat runs
# instant; editing requirements.txt reinstalls. Needs only python3, rustup and cargo.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv"
req="$root/scripts/requirements.txt"
python="${PYTHON:-python3}"

want_arm64=0
for arg in "$@"; do
    case "$arg" in
        --arm64) want_arm64=1 ;;
        *) echo "bootstrap: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

say() { echo "bootstrap: $*"; }

# --- Rust components and targets -------------------------------------------------------------
if command -v rustup >/dev/null 2>&1; then
    installed_components="$(rustup component list --installed 2>/dev/null || true)"
    for component in rustfmt clippy; do
        if ! grep -q "^$component" <<<"$installed_components"; then
            say "rustup component add $component"
            rustup component add "$component" >/dev/null
        fi
    done
    if [ "$want_arm64" = 1 ] &&
        ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
        say "rustup target add aarch64-unknown-linux-gnu"
        rustup target add aarch64-unknown-linux-gnu >/dev/null
    fi
else
    say "rustup not found; assuming the toolchain already has rustfmt, clippy and the targets" >&2
fi

# --- Python tools in .venv -------------------------------------------------------------------
# The stamp covers the requirements and the interpreter that built the venv.
hash="$({ cat "$req"; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)"
stamp="$venv/.stamp-$hash"
if [ -f "$stamp" ]; then
    exit 0
fi

start=$(date +%s)
if [ ! -x "$venv/bin/python" ]; then
    say "creating $venv"
    # Debian's python3 without python3-venv has no ensurepip: make the venv without pip and
    # drive it with the outer pip (`pip --python`, pip >= 22.3) instead.
    if ! "$python" -m venv "$venv" 2>/dev/null; then
        rm -rf "$venv"
        "$python" -m venv --without-pip "$venv"
    fi
fi
if "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
    pip=("$venv/bin/python" -m pip)
else
    pip=("$python" -m pip --python "$venv/bin/python")
fi
say "installing $(grep -cv '^\s*\(#\|$\)' "$req") packages from scripts/requirements.txt (takes a minute or two)"
"${pip[@]}" install --quiet --disable-pip-version-check --no-input -r "$req"

# Fail here, not in the middle of a build, if a wheel did not ship what we rely on.
for tool in cargo-lambda moto_server sam; do
    if [ ! -x "$venv/bin/$tool" ]; then
        say "expected $venv/bin/$tool after install, it is missing" >&2
        exit 1
    fi
done

rm -f "$venv"/.stamp-*
touch "$stamp"
say "venv ready in $(($(date +%s) - start))s"
