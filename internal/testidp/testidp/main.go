// Command testidp runs the test OpenID provider of package testidp (zitadel's
// OIDC library) on a free loopback port, for the end-to-end tests and for
// trying vpnlens's OAuth mode by hand. It prints one JSON line on stdout
// with the issuer and the client's credentials, then serves until stdin
// closes or it gets SIGINT/SIGTERM.
//
//	go run ./internal/testidp/testidp -scopes vpnlens.read
//	vpnlens serve --demo --http 127.0.0.1:8080 --oauth-issuer <issuer> --oauth-scopes vpnlens.read
//	curl -s -u agent:agent-secret -d grant_type=client_credentials -d scope=vpnlens.read \
//	  -d resource=http://127.0.0.1:8080/mcp <issuer>/oauth/token
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/vpnlens/vpnlens/internal/testidp"
)

func main() {
	id := flag.String("client", "agent", "client ID of the client_credentials client")
	secret := flag.String("secret", "agent-secret", "its secret")
	scopes := flag.String("scopes", "vpnlens.read", "scopes it may be granted (comma- or space-separated)")
	alg := flag.String("alg", "RS256", "signing algorithm: RS256 or ES256")
	flag.Parse()

	p, err := testidp.Start(testidp.Options{Algorithm: *alg, Clients: []testidp.Client{{
		ID: *id, Secret: *secret, AnyResource: true,
		Scopes: strings.FieldsFunc(*scopes, func(r rune) bool { return r == ',' || r == ' ' }),
	}}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "testidp:", err)
		os.Exit(1)
	}
	defer p.Close()
	line, _ := json.Marshal(map[string]string{
		"issuer": p.Issuer, "token_endpoint": p.Issuer + testidp.TokenPath,
		"client_id": *id, "client_secret": *secret,
	})
	fmt.Println(string(line))

	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); done <- struct{}{} }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case <-done:
	case <-sig:
	}
}
