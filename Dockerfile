# smsmock container image: one static binary on `scratch`, for linux/amd64
# and linux/arm64.
#
#   docker build -t smsmock .                  # or: podman build -t smsmock .
#   docker run --rm -p 8080:8080 smsmock
#   docker buildx build --platform linux/amd64,linux/arm64 -t smsmock .
#
# The `prebuilt` target takes dist/smsmock from the build context instead of
# compiling (scripts/container-check.sh uses it where base images cannot be
# pulled):
#
#   podman build --target prebuilt -t smsmock .

# What every image is: the settings, without the binary.
FROM scratch AS base
# Not root: a numeric id, since scratch has no /etc/passwd.
USER 65532:65532
ENV SMSMOCK_HOST=0.0.0.0 \
    SMSMOCK_PORT=8080
EXPOSE 8080
# A check is the binary asking its own /_mock/health (about a millisecond).
# Every half second, so a health wait ends half a second after start-up:
# `--start-interval` would allow a slower pace afterwards, but podman before
# 4.9 (Debian 12's) refuses to build a Dockerfile that uses it.
HEALTHCHECK --interval=500ms --timeout=3s --retries=3 \
    CMD ["/smsmock", "healthcheck"]
ENTRYPOINT ["/smsmock"]

# The static binary, built for the platform the image is for (TARGETARCH,
# set by BuildKit and buildah; the build machine's own otherwise). The
# compiler is the one link/smsmock-image.profdata was written with: the
# amd64 build is compiled with that profile of the emulator at work, and
# another compiler would name every function differently and get none
# (`scripts/pgo.sh --check` holds the two together).
FROM docker.io/library/rust:1.95.0-bookworm AS build
ARG TARGETARCH
RUN arch="${TARGETARCH:-$(dpkg --print-architecture)}" \
 && case "$arch" in \
      amd64) echo x86_64-unknown-linux-musl ;; \
      arm64) echo aarch64-unknown-linux-musl ;; \
      *) echo "no musl target for $arch" >&2; exit 1 ;; \
    esac > /rust-target \
 && rustup target add "$(cat /rust-target)" \
 && apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The `dist` profile: fat LTO and one codegen unit (Cargo.toml says why);
# scripts/rustc-pgo adds the profile.
RUN cargo build --profile dist --locked --target "$(cat /rust-target)" \
 && cp "target/$(cat /rust-target)/dist/smsmock" /smsmock

FROM base AS prebuilt
COPY dist/smsmock /smsmock

# The default target: the image built from source.
FROM base AS runtime
COPY --from=build /smsmock /smsmock
