#!/usr/bin/env bash
# Usage: ops/require-env.sh NAME...  — stop with a clear message when any variable is unset or empty.
missing=()
for name in "$@"; do
  [ -n "${!name:-}" ] || missing+=("$name")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Thiếu biến môi trường: ${missing[*]}" >&2
  echo "  Ví dụ: DATABASE_URL=postgres://postgres@127.0.0.1:5432/hailong REDIS_URL=redis://127.0.0.1:6379/0 \\" >&2
  echo "         SECRET_KEY=\$(python3 -c 'import secrets; print(secrets.token_hex(32))') make serve" >&2
  echo "  Xem docs/deployment.md." >&2
  exit 2
fi
