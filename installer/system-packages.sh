#!/usr/bin/env bash
# Install the Debian packages the dispatch console needs at run time and for its tests.
#
#   bash installer/system-packages.sh            install whatever is missing (root), or print
#                                                 the sudo command to do so (exit 1)
#   bash installer/system-packages.sh --check    only report missing packages (exit 1 if any)
#
# Target: Debian 12 (bookworm). Prints nothing and exits 0 when everything is installed.
# An entry "a|b" is satisfied by either package (first one that the archive has is installed).
set -euo pipefail

PACKAGES=(
  # libVLC for python-vlc (no `vlc` player binary: it refuses to run as root, and we only need
  # the library). vlc-plugin-base: demuxers (mp4/ts/wav/...), avcodec (H.264), http(s) access,
  # swscale, vmem (video callbacks), alsa/pulse/adummy audio outputs. vlc-plugin-video-output:
  # X11/GL video outputs for embedding into a window. libvlc-bin: vlc-cache-gen (plugin cache,
  # faster libVLC start-up).
  libvlc5 libvlc-bin vlc-plugin-base vlc-plugin-video-output
  # Fonts (Chinese/Japanese/Korean unit and street names) and fc-list/fc-cache.
  fonts-noto-cjk fontconfig
  # Qt 6 (PySide6 wheels) core + xcb platform plugin.
  libglib2.0-0 libdbus-1-3 libfontconfig1 libfreetype6 libx11-6 libx11-xcb1 libxcb1
  libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1
  libxcb-util1 libxcb-xfixes0 libxcb-xkb1 libxcb-glx0 libegl1 libgl1
  # QtNetwork.
  libgssapi-krb5-2 libbrotli1
  # Qt WebEngine (Chromium).
  libnss3 libnspr4 libxcomposite1 libxdamage1 libxext6 libxfixes3 libxrandr2 libxtst6
  libxkbfile1 libxcb-dri3-0 libgbm1 libexpat1 libudev1 libasound2
  # Tests and tooling: virtual X server (xvfb-run), demo video clips, demo radio audio.
  xvfb xauth ffmpeg espeak-ng
  # A real RTSP server for the media gateway's tests and bench (tools/rtsp_camera.py, run with
  # the system python3): GStreamer's gst-rtsp-server, its Python bindings and the encoders.
  python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  # GStreamer's pango plugin (textoverlay, clockoverlay: each test camera's name and clock).
  gstreamer1.0-x
  # The PostgreSQL server, for the backend's PostgreSQL tests (they start their own instance).
  postgresql
  # `make package` (also run by `make test`): objdump for PyInstaller, .desktop validation.
  binutils desktop-file-utils
)

# PyInstaller bundles the interpreter's shared library: the one matching the python3 that
# makes .venv (Debian's libpythonX.Y, e.g. libpython3.11 on bookworm).
if py=$(${PYTHON:-python3} -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); then
  PACKAGES+=("libpython$py")
fi

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; }

check_only=0
case ${1:-} in
  "") ;;
  --check) check_only=1 ;;
  -h | --help) usage; exit 0 ;;
  *) echo "system-packages.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
esac

command -v dpkg-query >/dev/null 2>&1 || {
  echo "system-packages.sh: dpkg-query not found; this script supports Debian/Ubuntu only." >&2
  echo "Install the equivalents of: ${PACKAGES[*]//|/ or }" >&2
  exit 1
}

# One dpkg-query call for every name; names dpkg has never heard of just do not show up.
names=()
for entry in "${PACKAGES[@]}"; do IFS='|' read -r -a alts <<<"$entry"; names+=("${alts[@]}"); done
installed=" $(dpkg-query -W -f='${Package} ${Status}\n' "${names[@]}" 2>/dev/null |
  awk '$NF == "installed" { printf "%s ", $1 }' || true)"

missing=()
for entry in "${PACKAGES[@]}"; do
  IFS='|' read -r -a alts <<<"$entry"
  ok=0
  for p in "${alts[@]}"; do [[ $installed == *" $p "* ]] && { ok=1; break; }; done
  ((ok)) || missing+=("$entry")
done

((${#missing[@]} == 0)) && exit 0

if ((check_only)); then
  echo "Missing system packages: ${missing[*]}"
  exit 1
fi

# For "a|b" entries pick the first alternative the package archive knows.
resolve() {
  local entry=$1 p alts
  IFS='|' read -r -a alts <<<"$entry"
  if ((${#alts[@]} > 1)); then
    for p in "${alts[@]}"; do
      if apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [^(]'; then echo "$p"; return; fi
    done
  fi
  echo "${alts[0]}"
}

if ((EUID != 0)); then
  pkgs=()
  for entry in "${missing[@]}"; do pkgs+=("$(resolve "$entry")"); done
  echo "Missing system packages: ${pkgs[*]}" >&2
  echo "Install them with the command below (run 'sudo apt-get update' first if apt cannot" >&2
  echo "find them), or run this script as root:" >&2
  echo "sudo apt-get install -y --no-install-recommends ${pkgs[*]}"
  exit 1
fi

log=$(mktemp "${TMPDIR:-/tmp}/system-packages.XXXXXX.log")
trap 'rm -f "$log"' EXIT
fail() {
  echo "system-packages.sh: $1 failed; last lines of its output:" >&2
  tail -n 30 "$log" >&2
  exit 1
}

echo "Installing ${#missing[@]} system package(s) (apt-get)..." >&2
apt-get update -q >"$log" 2>&1 || fail "apt-get update"
# apt-get update can exit 0 although a source failed; show those warnings.
grep -E '^(E|Err):' "$log" >&2 || true

pkgs=()
for entry in "${missing[@]}"; do pkgs+=("$(resolve "$entry")"); done
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}" \
  >"$log" 2>&1 || fail "apt-get install"
grep -E '^(E|W):' "$log" >&2 || true
echo "Installed: ${pkgs[*]}" >&2
