#!/usr/bin/env bash
# Back up Hài Lòng: the PostgreSQL database (pg_dump, custom format) and the media folder (published
# workbooks and figures, exports), with the published checksums at backup time and a SHA256SUMS file.
#
#   DATABASE_URL=postgres://… [MEDIA_ROOT=/srv/hailong/media] ops/backup.sh [DEST_DIR]
#
# Prints the folder it wrote (DEST_DIR/hailong-YYYYMMDDTHHMMSSZ). Restore with ops/restore.sh.
# Safe while the portal runs: pg_dump reads one consistent snapshot; a file written to media during the
# copy is at worst an export that expires anyway (published files are never rewritten).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
: "${DATABASE_URL:?DATABASE_URL chưa được đặt (cơ sở dữ liệu cần sao lưu)}"
media="${MEDIA_ROOT:-$root/media}"
python="${PYTHON:-$root/.venv/bin/python}"
dest="${1:-${BACKUP_DIR:-$root/backups}}"
out="$dest/hailong-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"

pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$out/database.dump"
if [ -d "$media" ]; then
  tar -C "$media" -czf "$out/media.tar.gz" .
else
  tar -czf "$out/media.tar.gz" --files-from=/dev/null
fi
# What was published, with its checksums, as this backup holds it: restore.sh compares against it.
(cd "$root" && DATABASE_URL="$DATABASE_URL" MEDIA_ROOT="$media" "$python" manage.py verify_published --json) > "$out/published.json" \
  || echo "Cảnh báo: có phiên bản đã công bố không khớp mã kiểm tra ngay lúc sao lưu (xem published.json)." >&2
(cd "$out" && sha256sum database.dump media.tar.gz published.json > SHA256SUMS)
echo "$out"
