// Command release does the two release steps GoReleaser has no stage for:
//
//	go run ./internal/release mcpb -binary dist/vpnlens_linux_amd64_v1/vpnlens -os linux -arch amd64 -version 1.2.3 -out dist
//	go run ./internal/release serverjson -version 1.2.3 -dist dist -out dist/server.json [-complete]
//
// mcpb packs one target's Claude Desktop bundle: packaging/mcpb/manifest.json
// stamped with the version and the target's platform, and the binary under
// server/, validated and packed by the official mcpb CLI (npm
// @anthropic-ai/mcpb, installed by `npm ci --prefix packaging`). GoReleaser
// runs it as a post-build hook for every target (.goreleaser.yaml).
//
// serverjson stamps the MCP Registry entry (server.json, checked in as the
// template) for a release: the version, the image tag, and each bundle's
// download URL and SHA-256 from the files in dist. With -complete every
// bundle the template lists must be there (a real release); without it the
// ones missing are left out (a one-target snapshot in CI).
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: release mcpb|serverjson [flags] (see go doc ./internal/release)")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "mcpb":
		err = runMCPB(os.Args[2:])
	case "serverjson":
		err = runServerJSON(os.Args[2:])
	default:
		err = fmt.Errorf("unknown step %q: want mcpb or serverjson", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}
