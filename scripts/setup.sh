#!/usr/bin/env bash
# Install what sohoa needs on a Debian 12 machine: Tesseract with its
# Vietnamese and orientation models, Leptonica, the C toolchain bindgen
# needs, poppler-utils (pdftotext, used by the tests) and time (GNU time:
# the tests' peak-RSS figures). Idempotent.
set -euo pipefail

packages=(tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng tesseract-ocr-osd libtesseract-dev libleptonica-dev
          clang libclang-dev pkg-config poppler-utils time ca-certificates)

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

echo "setup: ok (tesseract $(tesseract --version 2>&1 | head -1 | awk '{print $2}'))" >&2
