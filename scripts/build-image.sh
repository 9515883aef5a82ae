#!/usr/bin/env bash
# Builds the operator image from the Dockerfile with buildah (no daemon, no registry):
#   1. the base image the Dockerfile names, debian:bookworm, made locally by debootstrap (minbase)
#      from the Debian mirror apt uses, cached as a tarball keyed by the mirror's bookworm Release
#      date and debootstrap's version, and imported into buildah's storage;
#   2. buildah build --layers (layer cache and the ccache mount persist in the cache, outside the
#      clone; the build reaches only the Debian mirror, for scripts/setup.sh's packages);
#   3. runs the image: --version, and `convert` on the examples;
#   4. exports an OCI archive, out/compose-operator-<version>.oci.tar (git-ignored).
# Prints the image's size and each step's time.
#
# Usage: scripts/build-image.sh
# Env:   COMPOSE_OPERATOR_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/compose-operator)
#        OP_IMAGE                image name (default localhost/compose-operator:<version>)
#        DEBIAN_MIRROR           default: the first deb.debian.org-style URI of apt's sources
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${COMPOSE_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/compose-operator}
IMG=$CACHE/image
VERSION=$(sed -n 's/^project(compose-operator VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
NAME=${OP_IMAGE:-localhost/compose-operator:${VERSION:-dev}}
OUT=$ROOT/out
log() { printf '[image %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
step() { # name, command...: runs a step and prints how long it took
    local name=$1 t0=$SECONDS; shift
    log "$name ..."
    "$@"
    log "$name done in $((SECONDS - t0))s"
}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# buildah and debootstrap are Debian packages; installed here, as scripts/setup.sh does for its own.
missing=()
for p in buildah debootstrap; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    log "installing: ${missing[*]}"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Chroot isolation (no OCI runtime, no user namespaces needed). Storage: overlay when the kernel
# lets this process mount it, else vfs (slower: each layer is a full copy); each driver has its
# own storage folder.
mkdir -p "$IMG/base" "$OUT"
DRIVER=${OP_IMAGE_STORAGE_DRIVER:-}
bh() { $SUDO buildah --root "$IMG/storage-$DRIVER" --runroot "$IMG/run-$DRIVER" --storage-driver "$DRIVER" "$@"; }
export BUILDAH_ISOLATION=chroot
if [ -z "$DRIVER" ]; then
    DRIVER=overlay ok=0
    if probe=$(bh from scratch 2>/dev/null); then
        bh mount "$probe" >/dev/null 2>&1 && ok=1
        bh rm "$probe" >/dev/null 2>&1 || true
    fi
    [ $ok = 1 ] || { DRIVER=vfs; log "overlay storage cannot be mounted here: using vfs"; }
fi

mirror=${DEBIAN_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p; s/^deb \(http[^ ]*debian\) bookworm .*/\1/p' \
    /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -1 || true)}
mirror=${mirror:-http://deb.debian.org/debian}
t_total=$SECONDS

# ---- 1. base image ----
release=$(curl -sf --max-time 20 "$mirror/dists/bookworm/InRelease" | sed -n 's/^Date: //p' | head -1 || true)
dbs_version=$(dpkg-query -W -f='${Version}' debootstrap)
if [ -n "$release" ]; then
    key=$(printf '%s\n%s\n' "$release" "$dbs_version" | sha256sum | cut -c1-16)
    echo "bookworm Release: $release; debootstrap $dbs_version" > "$IMG/base/bookworm-$key.txt"
else
    key=$(ls -t "$IMG"/base/bookworm-*.tar 2>/dev/null | head -1 | sed 's/.*bookworm-\(.*\)\.tar/\1/')
    [ -n "$key" ] || { log "the Debian mirror $mirror is unreachable and no base is cached"; exit 1; }
    log "the mirror is unreachable: using the newest cached base ($key)"
fi
base_tar=$IMG/base/bookworm-$key.tar
make_base() {
    local dir
    dir=$(mktemp -d "$IMG/base/rootfs.XXXX")
    $SUDO debootstrap --variant=minbase bookworm "$dir" "$mirror" > "$IMG/base/debootstrap.log" 2>&1 ||
        { log "debootstrap failed; see $IMG/base/debootstrap.log"; tail -5 "$IMG/base/debootstrap.log" >&2; return 1; }
    $SUDO rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
    $SUDO tar -C "$dir" --numeric-owner -cf "$base_tar.tmp" .
    $SUDO rm -rf "$dir"
    mv "$base_tar.tmp" "$base_tar"
}
[ -f "$base_tar" ] || step "debootstrap bookworm (minbase) from $mirror" make_base
import_base() {
    local c m
    c=$(bh from scratch)
    m=$(bh mount "$c")
    $SUDO tar -C "$m" --numeric-owner -xf "$base_tar"
    bh umount "$c" >/dev/null
    bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash \
        --label "org.opencontainers.image.base.key=$key" "$c"
    bh commit -q "$c" docker.io/library/debian:bookworm >/dev/null
    bh rm "$c" >/dev/null
}
if [ "$(bh inspect --type image -f '{{index .ImageAnnotations "org.opencontainers.image.base.key"}}{{index .OCIv1.Config.Labels "org.opencontainers.image.base.key"}}' docker.io/library/debian:bookworm 2>/dev/null)" != "$key" ]; then
    step "import the base as debian:bookworm" import_base
else
    log "base debian:bookworm ($key) cached"
fi

# ---- 2. build ----
# The host's ccache (scripts/test.sh's), so the image's compile hits what the optimised build made.
HOST_CCACHE=${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/compose-operator/ccache}
volumes=()
[ -d "$HOST_CCACHE" ] && volumes=(--volume "$HOST_CCACHE:/host-ccache")
commit=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
step "buildah build $NAME" bh build --layers --isolation chroot "${volumes[@]}" --build-arg "OP_GIT_COMMIT=$commit" \
    -f "$ROOT/Dockerfile" -t "$NAME" "$ROOT" \
    > "$IMG/build.log" 2>&1 || { log "build failed; last lines of $IMG/build.log:"; tail -30 "$IMG/build.log" >&2; exit 1; }

# ---- 3. run it ----
size=$(bh inspect --type image -f '{{.Size}}' "$NAME" 2>/dev/null || echo 0)
run_image() { # args...: runs the image's entrypoint in a working container (chroot isolation)
    local c rc=0
    c=$(bh from -q "$NAME")
    bh run --isolation chroot --user 65532:65532 "$c" -- /usr/local/bin/compose-operator "$@" || rc=$?
    bh rm "$c" >/dev/null
    return $rc
}
step "run --version" run_image --version
convert_example() {
    local c rc=0
    c=$(bh from -q "$NAME")
    bh copy --chown 65532:65532 "$c" "$ROOT/test/e2e/operator/stacks/webapp.yaml" /tmp/webapp.yaml >/dev/null
    bh run --isolation chroot --user 65532:65532 "$c" -- /usr/local/bin/compose-operator convert \
        -f /tmp/webapp.yaml --name webapp -o yaml > "$IMG/convert.out" || rc=$?
    bh rm "$c" >/dev/null
    [ $rc -eq 0 ] && grep -q '^kind: Stack' "$IMG/convert.out"
}
step "run convert on test/e2e/operator/stacks/webapp.yaml" convert_example

# ---- 4. export ----
archive=$OUT/compose-operator-${VERSION:-dev}.oci.tar
rm -f "$archive"
step "export $archive" bh push -q "$NAME" "oci-archive:$archive:$NAME"
log "image $NAME: $(bh images --format '{{.Size}}' "$NAME" | head -1) (${size} bytes uncompressed layers), archive $(du -h "$archive" | cut -f1); total $((SECONDS - t_total))s"
echo "$archive"
