#!/usr/bin/env bash
# A tour of ocikit on local OCI layouts, with the built CLIs.
# Run it through `bash scripts/dev.sh demo` (which installs and builds first).
# Each step prints the command it runs; refs with digests flow from one
# command to the next through $(...), the way the CLIs are meant to be used.
# DEMO_KEEP=1 keeps the work folder for a look afterwards.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ocikit-demo.XXXXXX")
REGISTRY_PID=
cleanup() {
  if [ -n "$REGISTRY_PID" ]; then kill "$REGISTRY_PID" 2>/dev/null || true; wait "$REGISTRY_PID" 2>/dev/null || true; fi
  if [ "${DEMO_KEEP:-0}" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

bold() { if [ -t 1 ]; then printf '\n\033[1m== %s\033[0m\n' "$*"; else printf '\n== %s\n' "$*"; fi; }
show() { printf '$ %s\n' "$*"; }

# Runs one of the built CLIs: cli oci-image ARGS... (packages/<pkg>/bin/<bin>.js)
cli() {
  local bin=$1
  shift
  node "$REPO/packages/$(package_of "$bin")/bin/$bin.js" "$@"
}

package_of() {
  case "$1" in
    oci-image) echo oci-image ;;
    oci-registry) echo registry-client ;;
    oci-storage) echo storage ;;
    oci-pod) echo pod-tool ;;
    oci-build) echo build-tool ;;
    oci-inspect) echo inspect-tool ;;
    *) echo "unknown CLI $1" >&2; return 1 ;;
  esac
}

# Prints at most N lines of a command's output (the rest is noise for a demo).
first_lines() {
  local n=$1
  shift
  "$@" >"$WORK/out.txt"
  head -n "$n" "$WORK/out.txt"
  local total
  total=$(wc -l <"$WORK/out.txt")
  if [ "$total" -gt "$n" ]; then echo "... ($total lines)"; fi
}

pretty_json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify(JSON.parse(s),null,2)))'; }
pretty_json_file() { pretty_json <"$1"; }

if [ ! -f packages/oci-image/dist/cli.js ]; then
  echo "The CLIs are not built: run 'bash scripts/dev.sh demo' (or 'bash scripts/dev.sh setup' first)." >&2
  exit 1
fi

FX=$WORK/fixtures
L=$WORK/demo

bold "1. Build the test images (test-fixtures/build.mjs, deterministic OCI layouts)"
show "node test-fixtures/build.mjs $FX busybox multilayer multiarch"
node test-fixtures/build.mjs "$FX" busybox multilayer multiarch >"$WORK/fixtures.json"
echo "built: $(ls "$FX" | tr '\n' ' ')"

bold "2. A new layout, and an image copied into it (the ref with its digest comes back on stdout)"
show "oci-image init $L"
cli oci-image init "$L"
show "oci-image copy oci:$FX/busybox:latest oci:$L:busybox"
BUSYBOX=$(cli oci-image copy "oci:$FX/busybox:latest" "oci:$L:busybox")
echo "$BUSYBOX"

bold "3. Look at it: refs, manifest bytes as stored, config"
show "oci-image ls $L"
cli oci-image ls "$L"
show "oci-image manifest oci:$L:busybox | pretty-print"
cli oci-image manifest "oci:$L:busybox" | pretty_json
show "oci-image config oci:$L:busybox | pretty-print"
cli oci-image config "oci:$L:busybox" >"$WORK/config.json"
first_lines 16 pretty_json_file "$WORK/config.json"

bold "4. Change the config; each write prints the new reference with its digest"
show "oci-image config set oci:$L:busybox --env GREETING=hello --cmd '[\"/bin/sh\",\"-c\",\"echo \$GREETING from ocikit\"]' --label org.example.demo=yes --dest oci:$L:hello"
HELLO=$(cli oci-image config set "oci:$L:busybox" --env GREETING=hello \
  --cmd '["/bin/sh","-c","echo $GREETING from ocikit"]' --label org.example.demo=yes --dest "oci:$L:hello")
echo "$HELLO"
show "oci-image annotate oci:$L:hello --annotation org.opencontainers.image.title=hello"
HELLO=$(cli oci-image annotate "oci:$L:hello" --annotation org.opencontainers.image.title=hello)
echo "$HELLO"

bold "5. Tags are refs in index.json"
show "oci-image tag oci:$L:hello v1 latest"
cli oci-image tag "oci:$L:hello" v1 latest
show "oci-image untag oci:$L:latest"
cli oci-image untag "oci:$L:latest"
show "oci-image ls $L"
cli oci-image ls "$L"

bold "6. A multi-platform index: copy one platform, or all of it"
show "oci-image copy --platform linux/arm64/v8 oci:$FX/multiarch:latest oci:$L:arm64"
cli oci-image copy --platform linux/arm64/v8 "oci:$FX/multiarch:latest" "oci:$L:arm64"
show "oci-image copy --all oci:$FX/multiarch:latest oci:$L:multiarch"
cli oci-image copy --all "oci:$FX/multiarch:latest" "oci:$L:multiarch"
show "oci-image manifest oci:$L:multiarch | pretty-print"
cli oci-image manifest "oci:$L:multiarch" >"$WORK/index.json"
pretty_json_file "$WORK/index.json"

bold "7. A pipeline: export to an oci-archive on stdout, import from stdin elsewhere"
show "oci-image export oci:$L:v1 | oci-image import oci:$WORK/elsewhere:hello"
IMPORTED=$(cli oci-image export "oci:$L:v1" 2>/dev/null | cli oci-image import "oci:$WORK/elsewhere:hello")
echo "$IMPORTED"
show "oci-image copy oci:$L:v1 dir:$WORK/hello-dir   (skopeo's dir: format)"
cli oci-image copy "oci:$L:v1" "dir:$WORK/hello-dir"

bold "8. Validate: schemas, every digest and size, every descriptor"
for ref in "oci:$L:v1" "oci:$L:multiarch" "oci:$FX/multilayer:latest" "oci:$WORK/elsewhere:hello"; do
  show "oci-image validate $ref"
  cli oci-image validate "$ref"
done

bold "9. Independent tools read what we wrote"
if command -v skopeo >/dev/null; then
  show "skopeo inspect oci:$L:v1"
  first_lines 12 skopeo inspect "oci:$L:v1"
  show "skopeo copy oci:$L:v1 oci:$WORK/skopeo:hello && oci-image ls $WORK/skopeo"
  skopeo copy -q "oci:$L:v1" "oci:$WORK/skopeo:hello"
  cli oci-image ls "$WORK/skopeo"
else
  echo "(skopeo not installed: skipped)"
fi
if command -v oci-image-tool >/dev/null; then
  # (oci-image-tool 1.0.0-rc1 trips over a manifest that is both tagged and
  # inside a tagged index, so it checks the imported layout.)
  show "oci-image-tool validate --type image --ref name=hello $WORK/elsewhere"
  oci-image-tool validate --type image --ref name=hello "$WORK/elsewhere" 2>&1 | tail -n 1
fi
if command -v umoci >/dev/null && command -v runc >/dev/null && [ "$(id -u)" -eq 0 ]; then
  show "umoci unpack --image $L:v1 $WORK/bundle && runc run -b $WORK/bundle ocikit-demo-$$"
  umoci unpack --image "$L:v1" "$WORK/bundle" >/dev/null
  # umoci asks for a terminal; the demo has none to give.
  node -e 'const fs=require("fs");const f=process.argv[1];const c=JSON.parse(fs.readFileSync(f,"utf8"));c.process.terminal=false;fs.writeFileSync(f,JSON.stringify(c))' "$WORK/bundle/config.json"
  if ! runc run -b "$WORK/bundle" "ocikit-demo-$$" </dev/null; then
    runc delete -f "ocikit-demo-$$" >/dev/null 2>&1 || true
    echo "(runc could not run the bundle on this machine; chroot instead)"
    chroot "$WORK/bundle/rootfs" /bin/env -i GREETING=hello /bin/sh -c 'echo $GREETING from ocikit'
  fi
else
  echo "(umoci or runc missing, or not root: run skipped)"
fi

bold "10. Garbage collection: untag, then gc removes what no ref reaches"
show "oci-image untag oci:$L:arm64 && oci-image gc $L"
cli oci-image untag "oci:$L:arm64"
cli oci-image gc "$L"
show "oci-image validate oci:$L:multiarch"
cli oci-image validate "oci:$L:multiarch"

# The sections below show the packages built on oci-image. Each runs in a
# subshell with `set -e`; a failure is reported and the tour goes on, so one
# broken package does not hide the rest, and the demo exits 1 at the end.
SECTIONS_FAILED=()
section() {
  local title=$1 fn=$2
  bold "$title"
  set +e
  (set -e; "$fn")
  local rc=$?
  set -e
  if [ "$rc" -ne 0 ]; then
    echo "!! this section failed (exit $rc)"
    SECTIONS_FAILED+=("$title")
  fi
}

start_registry() {
  local port
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  mkdir -p "$WORK/registry"
  cat >"$WORK/registry/config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $WORK/registry/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YAML
  docker-registry serve "$WORK/registry/config.yml" >"$WORK/registry/log" 2>&1 &
  REGISTRY_PID=$!
  local i
  for i in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      REGISTRY="127.0.0.1:$port"
      return 0
    fi
    sleep 0.1
  done
  echo "docker-registry did not start: $(cat "$WORK/registry/log")" >&2
  return 1
}

REGISTRY=
demo_registry() {
  show "docker-registry serve config.yml   (Debian's distribution registry on $REGISTRY)"
  show "oci-registry copy oci:$L:v1 docker://$REGISTRY/demo/hello:1.0"
  cli oci-registry copy "oci:$L:v1" "docker://$REGISTRY/demo/hello:1.0"
  show "oci-registry copy --all oci:$L:multiarch docker://$REGISTRY/demo/multiarch:latest"
  cli oci-registry copy --all "oci:$L:multiarch" "docker://$REGISTRY/demo/multiarch:latest"
  show "oci-registry tags docker://$REGISTRY/demo/hello"
  cli oci-registry tags "docker://$REGISTRY/demo/hello"
  if command -v skopeo >/dev/null; then
    show "skopeo inspect --tls-verify=false docker://$REGISTRY/demo/hello:1.0   (the digest is the same)"
    skopeo inspect --tls-verify=false "docker://$REGISTRY/demo/hello:1.0" | grep '"Digest"'
  fi
  show "oci-registry copy docker://$REGISTRY/demo/hello:1.0 oci:$WORK/pulled:hello"
  cli oci-registry copy "docker://$REGISTRY/demo/hello:1.0" "oci:$WORK/pulled:hello"
}

demo_inspect() {
  show "oci-inspect inspect oci:$FX/multilayer:latest"
  first_lines 12 cli oci-inspect inspect "oci:$FX/multilayer:latest"
  show "oci-inspect history oci:$FX/multilayer:latest"
  cli oci-inspect history "oci:$FX/multilayer:latest"
  show "oci-inspect ls -l oci:$FX/multilayer:latest   (whiteouts and opaque dirs applied, nothing unpacked)"
  first_lines 15 cli oci-inspect ls -l "oci:$FX/multilayer:latest"
  show "oci-inspect cat oci:$FX/multilayer:latest etc/hostname"
  cli oci-inspect cat "oci:$FX/multilayer:latest" etc/hostname
  show "oci-inspect diff oci:$L:busybox oci:$L:v1"
  first_lines 15 cli oci-inspect diff "oci:$L:busybox" "oci:$L:v1"
  show "oci-inspect efficiency oci:$FX/multilayer:latest"
  first_lines 8 cli oci-inspect efficiency "oci:$FX/multilayer:latest"
}

STORE_FLAGS=(--root "$WORK/store" --runroot "$WORK/run")
demo_pod() {
  show "oci-pod --root \$WORK/store pull oci:$L:v1"
  cli oci-pod "${STORE_FLAGS[@]}" pull "oci:$L:v1"
  show "oci-pod run --rm oci:$L:v1   (the image's own Cmd, through runc)"
  cli oci-pod "${STORE_FLAGS[@]}" run --rm "oci:$L:v1" </dev/null
  show "oci-pod run --rm -e WHO=pod oci:$L:v1 sh -c 'echo hello \$WHO; id -u; ls /'"
  cli oci-pod "${STORE_FLAGS[@]}" run --rm -e WHO=pod "oci:$L:v1" sh -c 'echo hello $WHO; id -u; ls /' </dev/null
  show "oci-pod images"
  cli oci-pod "${STORE_FLAGS[@]}" images
}

demo_storage() {
  show "oci-storage --root \$WORK/store images"
  cli oci-storage "${STORE_FLAGS[@]}" images
  show "oci-storage layers"
  first_lines 10 cli oci-storage "${STORE_FLAGS[@]}" layers
}

demo_build() {
  cat >"$WORK/Containerfile" <<'DOCKERFILE'
ARG BASE
FROM $BASE
RUN echo built by oci-build > /etc/motd
ENV BUILT=yes
CMD ["/bin/sh", "-c", "cat /etc/motd"]
DOCKERFILE
  show "oci-build bud --build-arg BASE=oci:$L:v1 -f Containerfile -t oci:$L:built \$WORK"
  cli oci-build "${STORE_FLAGS[@]}" bud --build-arg "BASE=oci:$L:v1" -f "$WORK/Containerfile" -t "oci:$L:built" "$WORK"
  show "oci-image config oci:$L:built | grep BUILT"
  cli oci-image config "oci:$L:built" | grep -o '"BUILT=yes"'
  show "oci-pod run --rm oci:$L:built"
  cli oci-pod "${STORE_FLAGS[@]}" run --rm "oci:$L:built" </dev/null

  show 'c=$(oci-build from oci:'"$L"':v1)   (step by step, as buildah does)'
  local c
  c=$(cli oci-build "${STORE_FLAGS[@]}" from "oci:$L:v1")
  echo "$c"
  show "oci-build run $c -- sh -c 'echo made step by step > /etc/motd'"
  cli oci-build "${STORE_FLAGS[@]}" run "$c" -- sh -c 'echo made step by step > /etc/motd' </dev/null
  show "oci-build config $c --cmd '[\"cat\",\"/etc/motd\"]' --label org.example.step=yes"
  cli oci-build "${STORE_FLAGS[@]}" config "$c" --cmd '["cat","/etc/motd"]' --label org.example.step=yes
  show "oci-build commit --rm $c oci:$L:stepwise"
  cli oci-build "${STORE_FLAGS[@]}" commit --rm "$c" "oci:$L:stepwise"
  show "oci-inspect cat oci:$L:stepwise etc/motd"
  cli oci-inspect cat "oci:$L:stepwise" etc/motd
}

if command -v docker-registry >/dev/null && start_registry; then
  section "11. oci-registry: push to a registry on 127.0.0.1 and pull back" demo_registry
else
  bold "11. oci-registry: docker-registry did not start"
  SECTIONS_FAILED+=("11. registry did not start")
fi
section "12. oci-inspect: look inside without unpacking" demo_inspect
section "13. oci-pod: run the image as a child of this shell" demo_pod
section "14. oci-storage: the local store that oci-pod filled" demo_storage
section "15. oci-build: a Containerfile build on top of our image" demo_build

bold "Done"
if [ "${#SECTIONS_FAILED[@]}" -gt 0 ]; then
  echo "sections that failed: ${SECTIONS_FAILED[*]}" >&2
  exit 1
fi
