#!/usr/bin/env bash
# Creates target/smtp-venv with aiosmtpd from PyPI: the real SMTP server that the mail tests
# (crates/tsos-cli/tests/it/mail.rs) start on loopback. They find its python there, or where
# TSOS_TEST_PYTHON says. The venv is kept between runs; a half-finished one is made again.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/smtp-venv
py=$venv/bin/python
if [[ -x $py ]] && "$py" -c 'import aiosmtpd' 2>/dev/null; then
    exit 0
fi
rm -rf "$venv"
mkdir -p target
python3 -m venv "$venv" || {
    echo "python3 -m venv failed: install the Debian package python3-venv" >&2
    exit 1
}
"$py" -m pip install --quiet --disable-pip-version-check -r .ci/smtp-requirements.txt
"$py" -c 'import aiosmtpd; print("aiosmtpd", aiosmtpd.__version__, "in '"$venv"'")'
