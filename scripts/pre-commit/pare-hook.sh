#!/usr/bin/env sh
# Entry of the pre-commit hooks in .pre-commit-hooks.yaml: `pare-hook.sh lint|fix [ARGS] FILES`.
#
# pre-commit hands every staged YAML file to the hook, but only Kubernetes manifests are pare's:
# this drops the `.yaml`/`.yml`/`.json` files whose first 4 KiB name no `apiVersion` and `kind`
# (the same test pare uses when it walks a folder; a file named on the command line is otherwise
# linted as a Dockerfile), then runs `pare lint|fix` on the rest. `pare` comes from PATH (or $PARE).
set -eu
verb=${1:?usage: pare-hook.sh lint|fix [ARGS] FILES}
shift
case $verb in lint|fix) ;; *) echo "pare-hook.sh: unknown verb \`$verb\` (lint, fix)" >&2; exit 2 ;; esac
pare=${PARE:-pare}
command -v "$pare" >/dev/null 2>&1 || {
  echo "error: \`$pare\` not found on PATH; install it (cargo install --locked --path crates/pare, or a release binary)" >&2
  exit 2
}
is_manifest() {
  head -c 4096 "$1" | grep -Eq 'apiVersion:|"apiVersion"' &&
    head -c 4096 "$1" | grep -Eq 'kind:|"kind"'
}
n=$#
files=0
while [ "$n" -gt 0 ]; do
  a=$1
  shift
  n=$((n - 1))
  case $a in
    *.[yY][aA][mM][lL] | *.[yY][mM][lL] | *.[jJ][sS][oO][nN])
      if [ -f "$a" ] && ! is_manifest "$a"; then continue; fi
      files=$((files + 1)) ;;
    -*) ;;
    *) [ -f "$a" ] && files=$((files + 1)) ;;
  esac
  set -- "$@" "$a"
done
# Nothing of pare's was staged (only other YAML files): nothing to check.
[ "$files" -gt 0 ] || exit 0
exec "$pare" "$verb" "$@"
