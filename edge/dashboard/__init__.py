"""The local web dashboard and kiosk view."""
