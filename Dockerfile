# syntax=docker/dockerfile:1
# Build: docker build --build-arg VERSION=$(git describe --tags) --build-arg COMMIT=$(git rev-parse HEAD) -t vpnlens .
# Multi-arch (release): docker buildx build --platform linux/amd64,linux/arm64 --build-arg VERSION=... --build-arg COMMIT=... .
# The build stage runs on the builder's own platform and cross-compiles (no emulation).
# Run (stdio, e.g. for Claude Desktop): docker run -i --rm vpnlens serve --demo
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS TARGETARCH VERSION COMMIT
RUN CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o /out/vpnlens .

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION
LABEL org.opencontainers.image.title="vpnlens" \
      org.opencontainers.image.description="MCP server that diagnoses AWS Site-to-Site VPN tunnel drops from their IKE and BGP logs" \
      org.opencontainers.image.source="https://github.com/vpnlens/vpnlens" \
      org.opencontainers.image.version="${VERSION}" \
      io.modelcontextprotocol.server.name="io.github.vpnlens/vpnlens"
COPY --from=build /out/vpnlens /usr/local/bin/vpnlens
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/vpnlens"]
CMD ["serve"]
