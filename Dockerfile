# syntax=docker/dockerfile:1
# Build: docker build -t vpnlens .
# Run (Claude Desktop, stdio): docker run -i --rm vpnlens serve --demo
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/vpnlens .

FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.title="vpnlens" \
      org.opencontainers.image.description="MCP server that diagnoses AWS Site-to-Site VPN tunnel drops from their IKE and BGP logs" \
      io.modelcontextprotocol.server.name="io.github.vpnlens/vpnlens"
COPY --from=build /out/vpnlens /usr/local/bin/vpnlens
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/vpnlens"]
CMD ["serve"]
