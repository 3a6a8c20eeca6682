# smsmock container image: one static binary on `scratch`.
#
#   docker build -t smsmock .
#   docker run --rm -p 8080:8080 smsmock
#
# BINARY_FROM=prebuilt skips compiling and takes dist/smsmock from the
# build context instead (scripts/container-check.sh does this where base
# images cannot be pulled).
ARG BINARY_FROM=build

FROM rust:1-bookworm AS build
RUN rustup target add x86_64-unknown-linux-musl \
 && apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked --target x86_64-unknown-linux-musl \
 && mkdir -p /out \
 && cp target/x86_64-unknown-linux-musl/release/smsmock /out/smsmock

FROM scratch AS prebuilt
COPY dist/smsmock /out/smsmock

FROM ${BINARY_FROM} AS binary

FROM scratch AS runtime
COPY --from=binary /out/smsmock /smsmock
# Not root: a numeric id, since scratch has no /etc/passwd.
USER 65532:65532
ENV SMSMOCK_HOST=0.0.0.0 \
    SMSMOCK_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 \
    CMD ["/smsmock", "healthcheck"]
ENTRYPOINT ["/smsmock"]
