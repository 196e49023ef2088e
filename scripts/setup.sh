#!/usr/bin/env bash
# Install what sohoa needs on a Debian 12 machine: Tesseract with its
# Vietnamese and orientation models, Leptonica, the C toolchain bindgen
# needs, poppler-utils (pdftotext, used by the tests), time (GNU time:
# the tests' peak-RSS figures) and PostgreSQL (the search index; pg_trgm
# comes with Debian's server package), and Chromium with its WebDriver
# (the web page's browser tests drive /usr/bin/chromedriver headless),
# and, for the tests, s3s-fs (crates.io) and moto's S3 server (PyPI).
# Idempotent.
#
# SOHOA_PG_TRUST_LOCAL=1 (CI and development machines only) also lets the
# user `postgres` connect over 127.0.0.1 without a password, as the tests
# do (postgres://postgres@127.0.0.1:5432).
set -euo pipefail

packages=(tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng tesseract-ocr-osd libtesseract-dev libleptonica-dev
          clang libclang-dev pkg-config poppler-utils time ca-certificates postgresql
          chromium chromium-driver)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  echo "setup: cargo not found; install Rust (https://rustup.rs) and run again" >&2
  exit 1
fi
# The S3 server the tests (and a local trial of the workers) run on loopback.
# Later s3s-fs versions need a newer rustc than 1.95.
export PATH="$HOME/.cargo/bin:$PATH"
if ! s3s-fs --version 2>/dev/null | grep -q "0.14.1"; then
  echo "setup: installing s3s-fs 0.14.1 (about 2 minutes)" >&2
  cargo install s3s-fs --version 0.14.1 --features binary --locked --quiet
fi
# moto (PyPI): a fake of AWS S3, in Python, that implements versioning and
# Object Lock, which s3s-fs lacks. One worker test (worker/tests/object_lock.rs)
# runs its `moto_server` on loopback; nothing else uses it.
if ! command -v moto_server >/dev/null; then
  echo "setup: installing moto[server] 5.2.5 (the Object Lock test's S3 server)" >&2
  python3 -m pip install --quiet 'moto[server]==5.2.5'
  if command -v pyenv >/dev/null; then pyenv rehash; fi
fi

# pyHanko's CLI: the outside validator the tests check every signed
# document PDF with (tests/signature.rs), and what an archivist can check a
# signature with (README). From PyPI, pinned.
if ! pyhanko --version 2>/dev/null | grep -q "0.6.0"; then
  echo "setup: installing pyHanko's CLI (pip)" >&2
  python3 -m pip install --quiet --disable-pip-version-check "pyhanko-cli==0.6.0" "pyHanko==0.38.0" "pyhanko-certvalidator==0.33.0"
  command -v pyenv >/dev/null && pyenv rehash || true
fi

# PostgreSQL for the search index: the Debian cluster up, and (when asked)
# trust for the tests' user on 127.0.0.1.
if command -v pg_lsclusters >/dev/null; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  read -r pg_version pg_cluster pg_status < <(pg_lsclusters -h | awk 'NR==1 {print $1, $2, $4}') || true
  if [ -n "${pg_version:-}" ] && [ "$pg_status" != online ]; then
    echo "setup: starting PostgreSQL $pg_version/$pg_cluster" >&2
    $SUDO pg_ctlcluster "$pg_version" "$pg_cluster" start
  fi
  hba=/etc/postgresql/${pg_version:-15}/${pg_cluster:-main}/pg_hba.conf
  if [ "${SOHOA_PG_TRUST_LOCAL:-0}" = 1 ] && [ -f "$hba" ] &&
     ! $SUDO grep -Eq '^host[[:space:]]+all[[:space:]]+(all|postgres)[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
    echo "setup: letting postgres connect over 127.0.0.1 without a password (SOHOA_PG_TRUST_LOCAL=1)" >&2
    $SUDO sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
    $SUDO pg_ctlcluster "$pg_version" "$pg_cluster" reload
  fi
fi

echo "setup: ok (tesseract $(tesseract --version 2>&1 | head -1 | awk '{print $2}'))" >&2
