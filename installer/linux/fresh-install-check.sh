#!/usr/bin/env bash
# Install a .deb on a fresh Debian 12 root and run the installed console against the
# installed backend (offscreen), as tests/package does with the bundle. Run it inside a fresh
# root, e.g. with the workplace's fresh-machine tool on a scratch git repository holding the
# .deb and this script:  fresh-machine REPO -- bash fresh-install-check.sh PACKAGE.deb
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/tmp/apt.log 2>&1
t0=$(date +%s)
apt-get install -y -q --no-install-recommends "./${1:?usage: fresh-install-check.sh PACKAGE.deb}" >>/tmp/apt.log 2>&1 \
  || { tail -30 /tmp/apt.log; exit 1; }
echo "apt install: $(( $(date +%s) - t0 )) s; $(grep -c '^Setting up' /tmp/apt.log) packages set up"
dpkg-query -W dispatch-console
ls -la /usr/bin/dispatch-console /usr/bin/dispatch-backend
dispatch-console --version || exit 1
export LD_LIBRARY_PATH=/opt/dispatch-console/_internal:/opt/dispatch-console/_internal/PySide6/Qt/lib
echo "libraries not found:"; find /opt/dispatch-console -type f -name '*.so*' -print0 | xargs -0 ldd 2>/dev/null | grep 'not found' | sort -u
unset LD_LIBRARY_PATH
cd /tmp
DB=sqlite:////tmp/b.sqlite3
TOKEN=$(dispatch-backend operator add smoke --role operator --db $DB | tail -1)
dispatch-backend serve --demo --port 0 --db $DB >/tmp/be.log 2>&1 &
BE=$!
for i in $(seq 1 180); do grep -q '^listening on' /tmp/be.log && break; sleep 1; done
URL=$(grep -o 'ws://[^ ]*' /tmp/be.log | head -1)
echo "backend: $URL"
HOME=/tmp/home QT_QPA_PLATFORM=offscreen PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring \
  dispatch-console --backend "$URL" --token "$TOKEN" --no-record --smoke-exit 180 2>/tmp/console.err
rc=$?
kill $BE; wait $BE
[[ $rc == 0 ]] || tail -30 /tmp/console.err
exit $rc
