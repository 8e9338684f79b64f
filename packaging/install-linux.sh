#!/usr/bin/env bash
# Install the one-folder app (after `make package`) for the current user, so that it shows up in
# the application menu and under "Open with" for photos and videos:
#   packaging/install-linux.sh            install from dist/chroma-desk
#   packaging/install-linux.sh --remove   take it away again
# Uses only ~/.local (XDG_DATA_HOME): no root needed.
set -euo pipefail
cd "$(dirname "$0")/.."
APP_ID=org.chromadesk.ChromaDesk
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
PREFIX="$HOME/.local/lib/chroma-desk"
BIN="$HOME/.local/bin"

refresh() {
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$DATA/applications" || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$DATA/icons/hicolor" || true
}

if [[ "${1:-}" == "--remove" ]]; then
  rm -rf "$PREFIX" "$BIN/chroma-desk" "$DATA/applications/$APP_ID.desktop" \
    "$DATA/metainfo/$APP_ID.metainfo.xml"
  find "$DATA/icons/hicolor" -name "$APP_ID.*" -delete 2>/dev/null || true
  refresh
  echo "removed Chroma Desk"
  exit 0
fi

test -x dist/chroma-desk/chroma-desk || { echo "run 'make package' first" >&2; exit 1; }
mkdir -p "$PREFIX" "$BIN" "$DATA/applications" "$DATA/metainfo" "$DATA/icons"
rm -rf "$PREFIX" && cp -a dist/chroma-desk "$PREFIX"
ln -sf "$PREFIX/chroma-desk" "$BIN/chroma-desk"
# the absolute path, so the menu entry works even where ~/.local/bin is not on PATH
sed -e "s|^Exec=chroma-desk|Exec=$PREFIX/chroma-desk|" -e "s|^TryExec=chroma-desk|TryExec=$PREFIX/chroma-desk|" \
  "packaging/$APP_ID.desktop" > "$DATA/applications/$APP_ID.desktop"
cp "packaging/$APP_ID.metainfo.xml" "$DATA/metainfo/"
cp -r resources/icons/hicolor "$DATA/icons/"
refresh
echo "installed Chroma Desk in $PREFIX (menu entry: $DATA/applications/$APP_ID.desktop)"
