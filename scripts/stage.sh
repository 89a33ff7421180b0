#!/usr/bin/env bash
# Moves the canary: rewrites the weights of backends v1 and v2 in the router's config file, atomically,
# keeping every other byte of the file. A running router picks the change up within 1 s; nothing is
# restarted, and the router need not be running. `auto`, `pause` and `resume` hand the canary to the router's
# automated rollout instead: they maintain one control line, `rollout { enabled, run-id, paused }`, at the end
# of the file; a manual stage sets its enabled = false, so that the hand is always obeyed. `status` checks the
# file's weights and shows what the router serves: whether it rejected the file (and why), the weights in
# force, its recent split and the rollout (by client.jar).
# Needs only bash, coreutils, awk and sed; the router part of `status` needs java and client/target/client.jar.
# See docs/config.md.
set -euo pipefail

usage() {
  cat >&2 <<'USAGE'
usage: scripts/stage.sh 10|50|90|100|rollback|auto|pause|resume|status

  10        v1 weight 90,  v2 weight 10
  50        v1 weight 50,  v2 weight 50
  90        v1 weight 10,  v2 weight 90
  100       v1 weight 0,   v2 weight 100
  rollback  v1 weight 100, v2 weight 0
            each of these also ends an automated rollout (rollout.enabled = false): the file's weights rule
  auto      start an automated rollout from its first step (rollout.enabled = true, a new run-id): the router
            moves the canary through rollout.steps by itself and rolls it back when a gate rejects
  pause     pause the automated rollout (rollout.paused = true): it keeps counting, decides nothing
  resume    resume it (rollout.paused = false)
  status    check the weights in the file and, when the router's admin endpoint answers, show whether the
            router rejected the file (with its error), the weights in force, the split of the last minute
            and the rollout (state, step, each gate's evidence, the last decision);
            exit 1 when the file is invalid or the router rejected it

The file is $CANARY_CONFIG, default config/canary.conf in this repository. auto, pause and resume write one
line at its end, marked "# written by scripts/stage.sh ...", and replace it when it is there.
USAGE
}

if [[ $# -ne 1 ]]; then
  usage
  exit 2
fi
case "$1" in
  10) new_v1=90; new_v2=10 ;;
  50) new_v1=50; new_v2=50 ;;
  90) new_v1=10; new_v2=90 ;;
  100) new_v1=0; new_v2=100 ;;
  rollback) new_v1=100; new_v2=0 ;;
  auto|pause|resume|status) new_v1=; new_v2= ;;
  -h|--help) usage; exit 0 ;;
  *) echo "stage.sh: unknown stage '$1'" >&2; usage; exit 2 ;;
esac
stage=$1

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
config=${CANARY_CONFIG:-$repo_root/config/canary.conf}
if [[ ! -f $config || ! -r $config ]]; then
  echo "stage.sh: cannot read the config file $config (set CANARY_CONFIG to the router's canary.conf)" >&2
  exit 1
fi

# Scans the HOCON file just enough to know the path of every key (router.admin, backends.<name>.weight):
# braces, quoted strings, ${substitutions}, arrays and comments. It prints the file with the integer weights
# of backends v1 and v2 replaced (when set_v1/set_v2 are given) and writes what it found to $report:
#   weight <backend> <value>   an integer weight literal
#   dynamic <backend> <text>   a weight that is not a literal (e.g. ${?V2_WEIGHT})
#   admin <host:port>          router.admin
# shellcheck disable=SC2016
scan_program='
function skip_string(s, i,   n, d) {
  n = length(s)
  for (i++; i <= n; i++) {
    d = substr(s, i, 1)
    if (d == "\\") { i++; continue }
    if (d == "\"") return i + 1
  }
  return n + 1
}
function skip_substitution(s, i,   n) {
  n = length(s)
  for (i += 2; i <= n; i++) if (substr(s, i, 1) == "}") return i + 1
  return n + 1
}
function read_key(s, i,   n, d, cur, j) {
  n = length(s); cur = ""; keyn = 0
  while (i <= n) {
    d = substr(s, i, 1)
    if (d == "\"") { j = skip_string(s, i); cur = cur substr(s, i + 1, j - i - 2); i = j; continue }
    if (d == ".") { key[++keyn] = cur; cur = ""; i++; continue }
    if (index(" \t\r=:{}[],#", d) > 0 || substr(s, i, 2) == "//" || substr(s, i, 2) == "+=") break
    cur = cur d; i++
  }
  key[++keyn] = cur
  return i
}
function push_key(   k) {
  frames++
  frame_size[frames] = keyn
  for (k = 1; k <= keyn; k++) stack[++depth] = key[k]
  keyn = 0
}
function pop() {
  if (frames == 0) return
  depth -= frame_size[frames]
  frames--
}
function current_path(   k, p) {
  p = ""
  for (k = 1; k <= depth; k++) p = p (p == "" ? "" : ".") stack[k]
  for (k = 1; k <= keyn; k++) p = p (p == "" ? "" : ".") key[k]
  return p
}
function on_value(tok, col,   p, name, v) {
  p = current_path()
  if (p ~ /^backends\.[^.]+\.weight$/) {
    name = p; sub(/^backends\./, "", name); sub(/\.weight$/, "", name)
    if (tok ~ /^-?[0-9]+$/) {
      print "weight", name, tok > report
      v = (name == "v1") ? set_v1 : (name == "v2") ? set_v2 : ""
      if (v != "") { reps++; rep_col[reps] = col; rep_len[reps] = length(tok); rep_val[reps] = v }
    } else {
      print "dynamic", name, tok > report
    }
  } else if (p == "router.admin" && tok !~ /^\$\{/) {   # a ${?VAR} override is resolved by the shell below
    v = tok; gsub(/"/, "", v)
    print "admin", v > report
  }
}
BEGIN { state = "key"; depth = 0; frames = 0 }
{
  s = $0; n = length(s); i = 1; reps = 0
  while (i <= n) {
    c = substr(s, i, 1)
    if (state == "array") {
      if (c == "\"") { i = skip_string(s, i); continue }
      if (c == "#" || substr(s, i, 2) == "//") break
      if (c == "[") arrays++
      else if (c == "]" && --arrays == 0) state = "key"
      i++; continue
    }
    if (c == " " || c == "\t" || c == "\r") { i++; continue }
    if (c == "#" || substr(s, i, 2) == "//") break
    if (state == "key") {
      if (c == "}") { pop(); i++; continue }
      if (c == ",") { i++; continue }
      if (c == "{") { keyn = 0; push_key(); i++; continue }
      i = read_key(s, i); state = "afterkey"; continue
    }
    if (state == "afterkey") {
      if (c == "{") { push_key(); state = "key"; i++; continue }
      if (c == "=" || c == ":") { state = "value"; i++; continue }
      if (substr(s, i, 2) == "+=") { state = "value"; i += 2; continue }
      state = "value"; continue
    }
    # state == "value"
    if (c == "{") { push_key(); state = "key"; i++; continue }
    if (c == "[") { state = "array"; arrays = 1; i++; continue }
    j = i
    while (j <= n) {
      d = substr(s, j, 1)
      if (d == "\"") { j = skip_string(s, j); continue }
      if (d == "$" && substr(s, j + 1, 1) == "{") { j = skip_substitution(s, j); continue }
      if (d == "," || d == "}" || d == "#" || substr(s, j, 2) == "//") break
      j++
    }
    tok = substr(s, i, j - i); sub(/[ \t\r]+$/, "", tok)
    on_value(tok, i)
    keyn = 0; state = "key"; i = j
  }
  for (r = reps; r >= 1; r--) {
    s = substr(s, 1, rep_col[r] - 1) rep_val[r] substr(s, rep_col[r] + rep_len[r])
  }
  if (NR > 1) printf "\n"
  printf "%s", s
}
END { if (NR > 0 && final_newline) printf "\n" }
'

work_files=()
cleanup() { if [[ ${#work_files[@]} -gt 0 ]]; then rm -f -- "${work_files[@]}"; fi; }
trap cleanup EXIT

report=$(mktemp)
work_files+=("$report")
real=$(readlink -f -- "$config")  # edit the real file: a symlink to it stays a symlink
final_newline=1
if [[ -s $real && -n $(tail -c 1 -- "$real") ]]; then
  final_newline=0
fi

# The last literal weight of a backend wins, as in HOCON.
weight_of() { awk -v b="$1" '$1 == "weight" && $2 == b { w = $3 } END { print w }' "$report"; }

if [[ $stage == status ]]; then
  awk -v report="$report" -v set_v1= -v set_v2= -v final_newline=1 "$scan_program" "$real" > /dev/null
  # The router's own rules for weights (integers >= 0, at least one > 0): a file that breaks them would be
  # rejected, so its weights are no shares of anything; they are shown with what is wrong.
  file_ok=0
  awk -v config="$config" '
    $1 == "weight" { if (!($2 in w)) order[++n] = $2; w[$2] = $3 }
    END {
      for (i = 1; i <= n; i++) { v = w[order[i]]; total += v; if (v < 0) bad++; if (v > 0) positive++ }
      if (n == 0) { print "Weights in " config ":"; print "  (no literal backend weights found)"; exit 0 }
      if (bad || !positive) {
        print "Weights in " config ": INVALID, the router rejects this file:"
        for (i = 1; i <= n; i++) {
          v = w[order[i]]
          printf "  %-12s weight %7d%s\n", order[i], v, v < 0 ? "  (expected: an integer >= 0)" : ""
        }
        if (!positive) print "  (expected: at least one weight > 0)"
        exit 1
      }
      print "Weights in " config ":"
      for (i = 1; i <= n; i++)
        printf "  %-12s weight %7d  share %5.1f %%\n", order[i], w[order[i]], 100 * w[order[i]] / total
    }' "$report" || file_ok=1
  admin=$(awk '$1 == "admin" { a = $2 } END { print a }' "$report")
  admin=${admin:-127.0.0.1:9901}           # the default of router.admin (router/src/main/resources/reference.conf)
  admin=${SISKIN_ADMIN:-$admin}            # canary.conf's  admin = ${?SISKIN_ADMIN}  wins when it is set
  admin=${admin/#0.0.0.0:/127.0.0.1:}      # a wildcard bind is reached on loopback
  admin=${admin/#\[::\]:/[::1]:}
  echo
  # What the router serves and whether it took this file: the client reads the admin endpoint's JSON.
  client_jar=${SISKIN_CLIENT_JAR:-$repo_root/client/target/client.jar}
  router_ok=0
  if ! command -v java > /dev/null 2>&1; then
    echo "Router: not asked (java is not installed, and the router's admin endpoint is read by $client_jar)"
  elif [[ ! -f $client_jar ]]; then
    echo "Router: not asked ($client_jar is not built; build it with: mvn -B -q -pl client -am package -DskipTests)"
  else
    java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m -jar "$client_jar" status --admin "$admin" --allow-down \
      || router_ok=$?
  fi
  if [[ $file_ok -ne 0 ]]; then
    echo "stage.sh: $config is invalid (see above): a router rejects it and keeps serving its last good config" >&2
  fi
  if [[ $file_ok -ne 0 || $router_ok -ne 0 ]]; then
    exit 1
  fi
  exit 0
fi

# The control line of the automated rollout: found by its marker, replaced in place, else appended (with the
# file's line ending). HOCON merges a later rollout { } into an earlier one key by key, so as the last line its
# three keys win over a rollout block above it.
marker='# written by scripts/stage.sh auto|pause|resume|<stage>; keep it last'
# shellcheck disable=SC2016
control_program='
index($0, marker) { cr = sub(/\r$/, "") ? "\r" : ""; if (line != "") $0 = line cr; found = 1 }
/\r$/ { crlf = 1 }
{ if (NR > 1) printf "\n"; printf "%s", $0; last = $0 }
END {
  append = !found && line != ""
  if (append && NR > 0) printf "%s\n", crlf && last !~ /\r$/ ? "\r" : ""
  if (append) printf "%s%s", line, crlf && final_newline ? "\r" : ""
  if ((NR > 0 || append) && final_newline) printf "\n"
}
'
# The control line's value of $1 (enabled, run-id or paused); empty when there is no control line.
control_value() {
  awk -v m="$marker" -v k="$1" '
    index($0, m) { l = $0 }
    END {
      if (match(l, k " *= *(\"[^\"]*\"|[a-z]+)")) { v = substr(l, RSTART, RLENGTH); sub(/^[^=]*= */, "", v); gsub(/"/, "", v); print v }
    }' "$real"
}
control_line() { echo "rollout { enabled = $1, run-id = \"$2\", paused = $3 }  $marker"; }

enabled=$(control_value enabled)
run_id=$(control_value run-id)
paused=$(control_value paused)
line=
case $stage in
  auto)
    run_id=$(date -u +%Y%m%dT%H%M%SZ)-$(od -An -N3 -tx1 /dev/urandom | tr -d " \n")
    line=$(control_line true "$run_id" false) ;;
  pause|resume)
    if [[ $enabled != true ]]; then
      echo "stage.sh: no automated rollout to $stage in $config (no control line with rollout.enabled = true);" \
        "start one with: scripts/stage.sh auto" >&2
      exit 1
    fi
    line=$(control_line true "$run_id" "$([[ $stage == pause ]] && echo true || echo false)") ;;
  *)
    if [[ -n $enabled ]]; then
      line=$(control_line false "$run_id" "${paused:-false}")
    fi ;;
esac

dir=$(dirname -- "$real")
tmp=$(mktemp "$dir/.$(basename -- "$real").stage.XXXXXX")
work_files+=("$tmp")
awk -v report="$report" -v set_v1="$new_v1" -v set_v2="$new_v2" -v final_newline="$final_newline" \
  "$scan_program" "$real" \
  | awk -v marker="$marker" -v line="$line" -v final_newline="$final_newline" "$control_program" > "$tmp"

case $stage in
  auto) echo "$config: automated rollout $run_id, from its first step" ;;
  pause|resume) echo "$config: automated rollout $run_id: $stage" ;;
  *)
    old_v1=$(weight_of v1)
    old_v2=$(weight_of v2)
    for b in v1 v2; do
      if [[ -z $(weight_of "$b") ]]; then
        echo "stage.sh: $config has no integer weight for backend $b to rewrite" \
          "(expected: backends { $b { target = \"host:port\", weight = N } })" >&2
        exit 1
      fi
      if grep -q "^dynamic $b " "$report"; then
        echo "stage.sh: warning: the weight of $b in $config also has a non-literal value" \
          "($(awk -v b="$b" '$1 == "dynamic" && $2 == b { $1 = ""; $2 = ""; print substr($0, 3) }' "$report" | head -n 1));" \
          "when it is set it may override the weight written here" >&2
      fi
    done
    echo "$config: stage $stage"
    echo "  v1: weight $old_v1 -> $new_v1"
    echo "  v2: weight $old_v2 -> $new_v2"
    if [[ $enabled == true ]]; then
      echo "  rollout: the automated rollout $run_id ends (rollout.enabled = false); these weights are in force"
    fi ;;
esac
if cmp -s -- "$tmp" "$real"; then
  echo "Already so; the file is unchanged."
  exit 0
fi
chmod --reference="$real" -- "$tmp"
mv -f -- "$tmp" "$real"   # rename in the same directory: readers see the old file or the new one, never a mix
echo "Written. A running router applies it within 1 s (nothing is restarted); check with: scripts/stage.sh status"
