#!/usr/bin/env bash
# Restore a backup made by ops/backup.sh into a NEW, empty database and an empty media folder, then check
# that every published version has the same figures and files as at backup time.
#
#   createdb hailong_restored
#   DATABASE_URL=postgres://…/hailong_restored MEDIA_ROOT=/srv/hailong/media ops/restore.sh BACKUP_FOLDER
#
# Refuses a database that has tables or a media folder that has files: it never overwrites live data.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
backup="${1:?Cách dùng: ops/restore.sh THƯ_MỤC_SAO_LƯU}"
: "${DATABASE_URL:?DATABASE_URL chưa được đặt (cơ sở dữ liệu MỚI để khôi phục vào)}"
media="${MEDIA_ROOT:-$root/media}"
python="${PYTHON:-$root/.venv/bin/python}"

(cd "$backup" && sha256sum --check --quiet SHA256SUMS) || { echo "Bản sao lưu bị hỏng: SHA256SUMS không khớp." >&2; exit 2; }
tables="$(psql "$DATABASE_URL" -tAc "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")"
if [ "$tables" != "0" ]; then
  echo "Cơ sở dữ liệu đích đã có $tables bảng: hãy khôi phục vào một cơ sở dữ liệu mới (createdb)." >&2
  exit 2
fi
if [ -d "$media" ] && [ -n "$(ls -A "$media")" ]; then
  echo "Thư mục media đích ($media) không rỗng: hãy chọn một thư mục mới." >&2
  exit 2
fi

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$DATABASE_URL" "$backup/database.dump"
# A dump carries no planner statistics: without them the engine's first recompute may take minutes.
psql "$DATABASE_URL" -q -c "ANALYZE"
mkdir -p "$media"
tar -C "$media" -xzf "$backup/media.tar.gz"
cd "$root"
export DATABASE_URL MEDIA_ROOT="$media"
"$python" manage.py migrate --noinput -v0  # nothing to do for a backup of this version; newer code migrates it
"$python" manage.py verify_published --json > "$backup/published.restored.json"
if ! cmp -s "$backup/published.json" "$backup/published.restored.json"; then
  echo "Kết quả đã công bố sau khôi phục KHÁC lúc sao lưu:" >&2
  diff "$backup/published.json" "$backup/published.restored.json" >&2 || true
  exit 1
fi
echo "Đã khôi phục $backup: $("$python" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$backup/published.json") phiên bản đã công bố, mã kiểm tra và tệp khớp."
