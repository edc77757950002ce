#!/usr/bin/env bash
# Makes sure Debian's ffmpeg is installed: the media worker (callback service) reads a video's
# first frame with it for TIMVideoFileElem's Thumb* fields (docs/media.md). Idempotent: does
# nothing when ffmpeg is on PATH. Installs with apt-get as root (the way deploy/dataplane installs
# Debian's redis-server and postgresql), with progress lines; as another user it says what to run.
# Without ffmpeg the platform works all the same: videos get no thumbnail, and their meta.json
# says so ("thumb: ffmpeg is not installed").
#
#   ensure-ffmpeg.sh           install if missing; prints the binary's path on stdout
#   ensure-ffmpeg.sh --check   exit 0 if installed, 1 if not (installs nothing)
set -euo pipefail

log() { echo "[ffmpeg] $*" >&2; }

found() { command -v ffmpeg 2>/dev/null || true; }

bin="$(found)"
if [[ -n "$bin" ]]; then
  echo "$bin"
  exit 0
fi
[[ "${1:-}" == "--check" ]] && exit 1
if [[ $EUID -ne 0 ]]; then
  log "ffmpeg is not installed; run as root: apt-get update && apt-get install -y ffmpeg (videos get no thumbnail until then)"
  exit 1
fi
command -v apt-get >/dev/null 2>&1 || { log "ffmpeg is not installed and apt-get is not available: install ffmpeg with this system's package manager"; exit 1; }
log "installing Debian's ffmpeg with apt-get (first run only; it brings its libraries, a few minutes)…"
# Every apt line is passed on with a prefix, so a long install shows its progress as it goes.
if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg; } 2>&1 |
    sed -u 's/^/[ffmpeg]   apt: /' >&2; then
  log "apt-get install ffmpeg failed (see the output above)"
  exit 1
fi
bin="$(found)"
[[ -n "$bin" ]] || { log "apt-get install ffmpeg did not provide an ffmpeg on PATH"; exit 1; }
log "installed: $("$bin" -hide_banner -version 2>/dev/null | head -n 1)"
echo "$bin"
