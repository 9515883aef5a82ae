# compose-operator image. Multi-stage: the build stage runs exactly what the README and CI run
# (scripts/setup.sh, then the optimised CMake build); the runtime stage holds the binary and the
# shared libraries it links, and runs as a non-root user.
# Build: docker build -t compose-operator .   (needs a container engine; none runs on the CI machines)
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/setup.sh scripts/setup.sh
# Go is only for the local test control plane, not for the image: skip its check here.
RUN apt-get update && apt-get install -y --no-install-recommends sudo && \
    OP_SETUP_SKIP_GO=1 bash scripts/setup.sh
COPY . .
RUN cmake -S . -B build -G Ninja -DOP_RELEASE=ON -DOP_BUILD_TESTS=OFF -DOP_BUILD_BENCH=OFF && \
    cmake --build build --target compose-operator && \
    strip build/src/compose-operator && \
    mkdir -p /out/lib && cp build/src/compose-operator /out/ && \
    ldd build/src/compose-operator | awk '/=> \// {print $3}' | xargs -I{} cp -L {} /out/lib/

FROM debian:bookworm-slim
RUN useradd --uid 65532 --no-create-home --shell /usr/sbin/nologin operator && \
    mkdir -p /tmp/k8s-webhook-server/serving-certs && chown -R 65532 /tmp/k8s-webhook-server
COPY --from=build /out/lib/ /usr/local/lib/compose-operator/
COPY --from=build /out/compose-operator /usr/local/bin/compose-operator
ENV LD_LIBRARY_PATH=/usr/local/lib/compose-operator
USER 65532
EXPOSE 9443 8080
ENTRYPOINT ["/usr/local/bin/compose-operator"]
CMD ["run"]
