#!/bin/sh
# Install what bench/gen/generate.py needs on Debian 12: fonts with Vietnamese
# glyphs (the generator picks among those it finds) and the Python packages.
set -e
apt-get update
apt-get install -y --no-install-recommends \
    fonts-liberation2 fonts-dejavu-core fonts-dejavu-extra fonts-freefont-ttf fonts-noto-core \
    fonts-texgyre fonts-open-sans fonts-roboto
# poppler-utils (pdftoppm) is only needed to look at the PDF pages by hand.
python3 -m pip install -r "$(dirname "$0")/requirements.txt"
