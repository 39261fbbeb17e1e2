#!/usr/bin/env bash
# Step 2 of the GitHub Action (action.yml): turn the action's inputs (named after
# aquasecurity/trivy-action's) into one `pare gate|scan|lint` command, run it, and map its exit
# code. Runs anywhere: crates/pare/tests/packaging_action.rs runs it with a fake GITHUB_* environment.
#
# Inputs (environment; empty means "not given"):
#   INPUT_COMMAND        gate (default) | scan | lint
#   INPUT_SCAN_TYPE      trivy's name for it: image -> gate, config -> lint, rootfs -> gate of dir:SCAN_REF
#   INPUT_IMAGE_REF      the image (gate, scan): a registry reference or a path (any pare image form)
#   INPUT_INPUT          trivy's `input`: an image archive path (docker-archive, OCI archive)
#   INPUT_SCAN_REF       lint: files and folders, comma-separated (default .); rootfs: the folder
#   INPUT_SEVERITY       comma-separated, any case (CRITICAL,HIGH). scan: --severity. gate: a
#                        generated policy that fails on these severities (replaces pare.toml's rules)
#   INPUT_IGNORE_UNFIXED true: scan --ignore-unfixed; gate: the generated policy fails only on
#                        findings with a fixed version
#   INPUT_EXIT_CODE      exit code when findings fail the gate/threshold (default 1; 0 never fails)
#   INPUT_TRIVYIGNORES   comma-separated ignore files (.trivyignore, .trivyignore.yaml,
#                        .pareignore.toml) -> gate --ignore-file
#   INPUT_FORMAT         pare's --format (trivy's `table` means `concise` for lint)
#   INPUT_OUTPUT         --output FILE
#   INPUT_SARIF          true: SARIF for GitHub code scanning (format sarif, output pare-results.sarif
#                        unless given); action.yml's next step uploads it
#   INPUT_CONFIG, INPUT_VEX (comma-separated), INPUT_BASE, INPUT_DOCKERFILE, INPUT_PLATFORM
#                        gate's --config, --vex, --base, --dockerfile; --platform for gate/scan
#   INPUT_DB             the vulnerability database file (PARE_DB)
#   INPUT_DB_IMPORT      comma- or newline-separated OSV paths to `pare db import` first
#   INPUT_DB_UPDATE      true: `pare db update` first (network); default true unless DB_IMPORT is given
#   INPUT_ARGS           more arguments for pare, split on whitespace
#   PARE                 the pare binary (default: pare on PATH)
#   GITHUB_OUTPUT        receives exit-code=, output=, sarif=
#   RUNNER_TEMP          scratch folder for the generated policy
# Exit: 0 passed; INPUT_EXIT_CODE (default 1) when findings fail; 2 on any error (pare's or ours).
set -euo pipefail

die() { echo "::error title=pare action::$*" >&2; echo "error: $*" >&2; outputs 2; exit 2; }
outputs() {
  [[ -n ${GITHUB_OUTPUT:-} ]] || return 0
  { echo "exit-code=$1"; echo "output=${output:-}"; echo "sarif=${sarif_file:-}"; } >>"$GITHUB_OUTPUT"
}
truthy() {
  case ${1,,} in
    true|yes|1|on) return 0 ;;
    false|no|0|off|'') return 1 ;;
    *) die "\`$2\` must be true or false, got \`$1\`" ;;
  esac
}
# Split a comma/newline-separated input into the array named $2, trimming blanks.
split_list() {
  local -n into=$2
  local item
  into=()
  while IFS= read -r item; do
    item=${item#"${item%%[![:space:]]*}"}
    item=${item%"${item##*[![:space:]]}"}
    [[ -n $item ]] && into+=("$item")
  done < <(tr ',' '\n' <<<"$1")
  return 0
}

# arrays split_list fills
ignores=() sevs=() vexes=() imports=() targets=()
pare=${PARE:-pare}
command -v "$pare" >/dev/null || die "\`$pare\` not found (the install step puts pare on PATH)"
output=${INPUT_OUTPUT:-}
sarif_file=
: "${RUNNER_TEMP:=${TMPDIR:-/tmp}}"

# ---- which command
command=${INPUT_COMMAND:-}
case ${INPUT_SCAN_TYPE:-} in
  '') ;;
  image) from_type=gate ;;
  rootfs) from_type=gate ;;
  config) from_type=lint ;;
  *) die "scan-type \`$INPUT_SCAN_TYPE\` is not supported (image, rootfs, config; or use command: gate|scan|lint)" ;;
esac
if [[ -n ${from_type:-} ]]; then
  [[ -z $command || $command == "$from_type" ]] \
    || die "scan-type \`$INPUT_SCAN_TYPE\` means \`$from_type\`, but command is \`$command\`"
  command=$from_type
fi
command=${command:-gate}
case $command in gate|scan|lint) ;; *) die "command \`$command\` is not supported (gate, scan, lint)" ;; esac

# ---- what to read
if [[ $command == lint ]]; then
  [[ -z ${INPUT_IMAGE_REF:-}${INPUT_INPUT:-} ]] || die "lint reads files (scan-ref), not image-ref/input"
  split_list "${INPUT_SCAN_REF:-.}" targets
  ((${#targets[@]})) || targets=(.)
else
  image=
  if [[ ${INPUT_SCAN_TYPE:-} == rootfs ]]; then
    [[ -n ${INPUT_SCAN_REF:-} ]] || die "scan-type rootfs needs scan-ref (the root filesystem folder)"
    image=dir:$INPUT_SCAN_REF
  fi
  for v in "${INPUT_IMAGE_REF:-}" "${INPUT_INPUT:-}"; do
    [[ -z $v ]] && continue
    [[ -z $image ]] || die "give one image: image-ref, input or scan-type rootfs with scan-ref"
    image=$v
  done
  [[ -n $image ]] || die "$command needs an image: set image-ref (or input, a tar archive)"
  targets=("$image")
fi

# ---- flags
args=()
format=${INPUT_FORMAT:-}
if truthy "${INPUT_SARIF:-false}" sarif; then
  [[ -z $format || ${format,,} == sarif ]] || die "sarif: true needs format sarif (or no format), got \`$format\`"
  format=sarif
  output=${output:-pare-results.sarif}
fi
if [[ $command == lint && ${format,,} == table ]]; then format=concise; fi
[[ -z $format ]] || args+=(--format "${format,,}")
[[ -z $output ]] || args+=(--output "$output")

severity=${INPUT_SEVERITY:-}
severity=${severity,,}
severity=${severity// /}
unfixed=0
truthy "${INPUT_IGNORE_UNFIXED:-false}" ignore-unfixed && unfixed=1
exit_code=${INPUT_EXIT_CODE:-}
if [[ -n $exit_code ]]; then
  if ! [[ $exit_code =~ ^[0-9]{1,3}$ ]] || ((10#$exit_code > 255)); then
    die "exit-code must be 0-255, got \`$exit_code\`"
  fi
  exit_code=$((10#$exit_code))
fi
split_list "${INPUT_TRIVYIGNORES:-}" ignores

if [[ $command == lint ]]; then
  [[ -z $severity ]] || die "severity applies to gate and scan (lint: --select/--ignore in args)"
  ((unfixed == 0)) || die "ignore-unfixed applies to gate and scan"
  ((${#ignores[@]} == 0)) || die "trivyignores applies to gate"
fi
if [[ $command == scan ]]; then
  ((${#ignores[@]} == 0)) || die "trivyignores applies to gate (scan reports every finding)"
  [[ -z $severity ]] || args+=(--severity "$severity")
  ((unfixed == 0)) || args+=(--ignore-unfixed)
  [[ -z $exit_code ]] || args+=(--exit-code "$exit_code")
fi
if [[ $command != gate ]]; then
  for v in CONFIG VEX BASE DOCKERFILE; do
    n=INPUT_$v
    [[ -z ${!n:-} ]] || die "${v,,} applies to gate"
  done
fi
if [[ $command != lint && -n ${INPUT_PLATFORM:-} ]]; then args+=(--platform "$INPUT_PLATFORM"); fi

if [[ $command == gate ]]; then
  config=${INPUT_CONFIG:-}
  if [[ -n $severity || $unfixed == 1 ]]; then
    [[ -z $config ]] || die "severity/ignore-unfixed write the gate's policy; with config, put the rules in $config instead"
    # pare.toml found upward from here would be replaced by the generated policy: refuse.
    d=$PWD
    while :; do
      [[ ! -f $d/pare.toml ]] || die "$d/pare.toml has the gate's policy; put severity/ignore-unfixed rules there instead of the action inputs"
      [[ $d == / ]] && break
      d=$(dirname "$d")
    done
    sev_list=
    if [[ -n $severity ]]; then
      split_list "$severity" sevs
      for s in "${sevs[@]}"; do
        case $s in critical|high|medium|low|negligible|unknown) ;; *) die "severity \`$s\` is not one of critical, high, medium, low, negligible, unknown" ;; esac
        sev_list+="${sev_list:+, }\"$s\""
      done
    fi
    config=$RUNNER_TEMP/pare-action/pare.toml
    mkdir -p "${config%/*}"
    {
      echo "# written by pare's GitHub Action from its severity/ignore-unfixed inputs"
      echo "[policy]"
      echo 'default-action = "ignore"'
      echo
      echo "[[policy.rules]]"
      echo 'name = "action-inputs"'
      echo 'action = "fail"'
      [[ -z $sev_list ]] || echo "severity = [$sev_list]"
      ((unfixed == 0)) || echo "fix = true"
      echo
      echo "[[policy.rules]]"
      echo 'name = "ignore-hygiene"'
      echo 'action = "warn"'
      echo 'kind = ["expired-ignore", "stale-ignore"]'
    } >"$config"
    # pare reads ignore files beside pare.toml; the generated one is elsewhere, so name the
    # working directory's explicitly.
    for f in .pareignore.toml .trivyignore .trivyignore.yaml; do
      [[ -f $f ]] && ignores+=("$f")
    done
  fi
  [[ -z $config ]] || args+=(--config "$config")
  for f in "${ignores[@]}"; do args+=(--ignore-file "$f"); done
  split_list "${INPUT_VEX:-}" vexes
  for f in "${vexes[@]}"; do args+=(--vex "$f"); done
  [[ -z ${INPUT_BASE:-} ]] || args+=(--base "$INPUT_BASE")
  [[ -z ${INPUT_DOCKERFILE:-} ]] || args+=(--dockerfile "$INPUT_DOCKERFILE")
fi

if [[ -n ${INPUT_ARGS:-} ]]; then
  read -r -a extra <<<"$INPUT_ARGS"
  args+=("${extra[@]}")
fi

# ---- the vulnerability database
if [[ $command != lint ]]; then
  [[ -z ${INPUT_DB:-} ]] || export PARE_DB=$INPUT_DB
  split_list "${INPUT_DB_IMPORT:-}" imports
  update_default=true
  ((${#imports[@]} == 0)) || update_default=false
  if ((${#imports[@]})); then
    echo "pare: $pare db import ${imports[*]}" >&2
    "$pare" db import "${imports[@]}" || die "pare db import failed"
  fi
  if truthy "${INPUT_DB_UPDATE:-$update_default}" db-update; then
    echo "pare: $pare db update" >&2
    "$pare" db update || die "pare db update failed"
  fi
fi

# ---- run
cmd=("$pare" "$command" "${args[@]}" "${targets[@]}")
printf -v shown '%q ' "${cmd[@]}"
echo "pare: running: ${shown% }" >&2
set +e
"${cmd[@]}"
rc=$?
set -e
case $rc in
  0) final=0 ;;
  1) final=${exit_code:-1} ;;
  2) final=2; echo "::error title=pare $command::pare $command failed (exit 2): see the error above" >&2 ;;
  *) final=$rc ;; # scan --exit-code N
esac
if [[ -n $output && -f $output && ${format,,} == sarif ]]; then sarif_file=$output; fi
[[ -n $output && -f $output ]] || output=
echo "pare: $command exited $rc; step exits $final" >&2
outputs "$final"
exit "$final"
