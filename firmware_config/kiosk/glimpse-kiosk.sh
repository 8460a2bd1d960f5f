#!/bin/sh
# Open the Glimpse kiosk view full-screen on the display attached to this device.
# Waits until the dashboard answers, then runs Chromium in kiosk mode. No network access is needed:
# the page and all its assets come from the local dashboard (127.0.0.1).
set -eu
URL="${GLIMPSE_KIOSK_URL:-http://127.0.0.1:8321/kiosk}"
BROWSER="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$BROWSER" ]; then
    echo "glimpse-kiosk: chromium not found (sudo apt-get install chromium)" >&2
    exit 1
fi
# The daemon may still be starting: poll for up to two minutes.
i=0
until curl -fsS -o /dev/null "${URL%/kiosk}/api/kiosk" 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -ge 120 ] && break
    sleep 1
done
exec "$BROWSER" \
    --kiosk "$URL" \
    --noerrdialogs --disable-infobars --no-first-run --disable-session-crashed-bubble \
    --disable-features=Translate,MediaRouter --disable-background-networking --disable-component-update \
    --disable-sync --password-store=basic --incognito --check-for-update-interval=31536000
