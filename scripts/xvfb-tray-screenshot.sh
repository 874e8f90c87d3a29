#!/usr/bin/env bash
# Starts the daemon's tray under a virtual X display and takes screenshots of the icon and its
# open menu. Needs Debian/Ubuntu packages (no desktop required):
#   apt-get install -y xvfb x11-utils trayer xdotool imagemagick dbus-x11 libayatana-appindicator3-1
# Usage: scripts/xvfb-tray-screenshot.sh [output-dir]   (default: ./test-output/tray)
# It uses generated weights and temporary config/cache folders, so it touches nothing of yours.
set -euo pipefail

out_dir="${1:-test-output/tray}"
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
display=":$((90 + RANDOM % 9))"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for tool in Xvfb trayer xdotool xwininfo import dbus-launch; do
  command -v "$tool" >/dev/null || { echo "missing $tool: see the apt-get line at the top of $0" >&2; exit 1; }
done

Xvfb "$display" -screen 0 640x360x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY="$display"
for _ in $(seq 50); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done

# A session bus, as a desktop has; with no StatusNotifier host on it, the indicator falls back
# to an XEmbed icon, which trayer (a small standalone system tray) hosts.
eval "$(dbus-launch --sh-syntax)"
pids+=("$DBUS_SESSION_BUS_PID")
trayer --edge top --align right --widthtype request --height 40 --SetDockType true \
  --transparent false --tint 0xdddddd --expand true >"$work/trayer.log" 2>&1 &
pids+=($!)
sleep 1

cd "$root"
node --import tsx -e "
  const { writeRandomWeightsAsync } = await import('./daemon/engine/index.ts');
  await writeRandomWeightsAsync('$work/weights', { seed: 1 });
"
XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache" ATELIER_WEIGHTS="$work/weights" \
  node --import tsx daemon/main.ts --port 0 >"$work/daemon.out" 2>&1 &
daemon=$!
pids+=("$daemon")

for _ in $(seq 240); do
  grep -q 'Pairing code:' "$work/daemon.out" && break
  kill -0 "$daemon" 2>/dev/null || { cat "$work/daemon.out" >&2; exit 1; }
  sleep 0.5
done
sleep 2
cat "$work/daemon.out"
grep -q 'Tray icon shown' "$work/daemon.out" || { echo 'the tray did not start' >&2; exit 1; }

import -window root "$out_dir/tray-icon.png"

# The icon is the window systray2's helper embeds in trayer's panel: hover it, then click it
# (GTK ignores a click that arrives with no pointer motion before it) to open the menu.
icon_window="$(xdotool search --classname systray | head -n 1)"
eval "$(xdotool getwindowgeometry --shell "$icon_window")"
xdotool mousemove $((X + WIDTH / 2)) $((Y + HEIGHT / 2))
sleep 0.5
xdotool click 1
sleep 1.5
import -window root "$out_dir/tray-menu.png"
# The open menu is a popup window of the helper, far larger than the icon.
xwininfo -root -children | grep -q '"tray_linux_release": ("tray_linux_release".*[0-9][0-9][0-9]x[0-9][0-9][0-9]' \
  || { echo 'the menu did not open' >&2; exit 1; }
xdotool key Escape
echo "screenshots: $out_dir/tray-icon.png $out_dir/tray-menu.png"
