#!/usr/bin/env bash
# One command for all setup on a fresh machine, then the job:
#   bash scripts/bootstrap.sh demo   install sjobo-geo and its map assets, run `sjobo-geo demo`
#   bash scripts/bootstrap.sh test   install sjobo-geo, test tools, Chromium; run the tests
# Installs into ./.venv (Python >= 3.11), map assets from npm into ~/.cache/sjobo-geo/assets,
# and, for tests, Debian's chromium and chromium-driver (needs root or sudo).
set -euo pipefail
job="${1:-}"
case "$job" in demo|test) ;; *) echo "usage: bash scripts/bootstrap.sh demo|test" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# npm for the offline map assets (Leaflet and plugins)
command -v npm >/dev/null 2>&1 || apt_install nodejs npm
# headless Chromium for the browser tests
if [ "$job" = test ] && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  apt_install chromium chromium-driver
fi

PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "$job" = test ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
else
  .venv/bin/python -m pip install -q -e .
fi
.venv/bin/sjobo-geo assets install

if [ "$job" = demo ]; then
  exec .venv/bin/sjobo-geo demo --out outputs/demo
fi
# pytest exits 5 when it collects no test: that is a failure here too
exec .venv/bin/python -m pytest -q -p no:cacheprovider
