# compose-operator image. Multi-stage: the build stage runs what the README and CI run
# (scripts/setup.sh, then the optimised CMake build of the one binary); the runtime stage is
# distroless-like: no shell, no package manager, no compiler, only the binary, the shared
# libraries it links (found by ldd), CA certificates and a non-root user.
# Build: scripts/build-image.sh (buildah, no daemon; makes debian:bookworm locally with debootstrap)
#        or docker build -t compose-operator .
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/setup.sh scripts/setup.sh
# Go is only for the local test control plane, not for the image: skip its check here.
RUN apt-get update && apt-get install -y --no-install-recommends sudo && \
    OP_SETUP_SKIP_GO=1 bash scripts/setup.sh && rm -rf /var/lib/apt/lists/*
COPY . .
# The commit compose_operator_build_info reports (the context has no .git; build-image.sh passes it).
ARG OP_GIT_COMMIT=unknown
# ccache in a build cache mount: a rebuild after a source change recompiles only what changed.
# scripts/build-image.sh also mounts the host's ccache (the test command's) at /host-ccache: the
# build folder and flags are those of the test command's optimised build (paths relative to the
# source root), so a cold image build after `scripts/test.sh` compiles nothing.
RUN --mount=type=cache,target=/ccache export CCACHE_DIR=/ccache CCACHE_BASEDIR=/src CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=2G \
        CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime && \
    if [ -d /host-ccache ] && [ -w /host-ccache ]; then export CCACHE_DIR=/host-ccache CCACHE_MAXSIZE=5G; fi && \
    (ccache -z >/dev/null 2>&1 || true) && \
    cmake -S . -B /src/build -G Ninja -DOP_RELEASE=ON -DOP_WERROR=ON -DOP_BUILD_TESTS=OFF -DOP_BUILD_BENCH=OFF \
        "-DOP_GIT_COMMIT=${OP_GIT_COMMIT}" && \
    cmake --build /src/build --target compose-operator && \
    (ccache -s 2>/dev/null | grep -iE 'hits|misses' || true) && \
    strip /src/build/src/compose-operator && \
    mkdir -p /out/usr/local/bin /out/etc/ssl/certs /out/tmp && \
    cp /src/build/src/compose-operator /out/usr/local/bin/ && \
    ldd /src/build/src/compose-operator | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | \
        xargs -I{} cp -L --parents {} /out/ && \
    cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ && \
    echo 'operator:x:65532:65532:compose-operator:/nonexistent:/sbin/nologin' > /out/etc/passwd && \
    echo 'operator:x:65532:' > /out/etc/group && \
    echo 'hosts: files dns' > /out/etc/nsswitch.conf && \
    mkdir -p /out/tmp/k8s-webhook-server/serving-certs && chown -R 65532:65532 /out/tmp/k8s-webhook-server && \
    chmod 1777 /out/tmp && \
    /out/usr/local/bin/compose-operator --version

FROM scratch
COPY --from=build /out/ /
USER 65532:65532
EXPOSE 9443 8080
ENTRYPOINT ["/usr/local/bin/compose-operator"]
CMD ["run"]
