package oauth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/vpnlens/vpnlens/server/oauth"
)

// TestKeyRotation follows an issuer rotating its signing key: a token
// signed with a new key is accepted at once (its unknown key ID makes the
// server fetch the JWKS again), old tokens keep working while the old key
// is published, and stop working once the issuer withdrew it and the
// server has fetched the keys again.
func TestKeyRotation(t *testing.T) {
	idp := startIdP(t)
	// Every unknown key ID may refresh: this test is about rotation, the
	// next one about the limit.
	rs := newRS(t, idp, func(c *oauth.Config) { c.UnknownKeyRefresh = time.Millisecond; c.KeyRefreshInterval = time.Hour })
	ctx := context.Background()
	mustPass := func(what, tok string) {
		t.Helper()
		if _, err := rs.Authenticate(ctx, tok); err != nil {
			t.Fatalf("%s: refused: %v", what, err)
		}
	}

	kid1 := idp.SigningKeyID()
	old := token(t, idp, "agent", scope, resource)
	mustPass("token signed with the first key", old)
	fetches := idp.KeyFetches()

	// Rotate to another algorithm too: ES256.
	kid2, err := idp.RotateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	second := token(t, idp, "agent", scope, resource)
	mustPass("token signed with the rotated-in ES256 key", second)
	if got := idp.KeyFetches() - fetches; got != 1 {
		t.Errorf("the new key ID caused %d JWKS fetches, want 1", got)
	}
	mustPass("old token while its key is still published", old)

	// The issuer withdraws the first key and rotates again.
	if err := idp.RetireKey(kid1); err != nil {
		t.Fatal(err)
	}
	if _, err := idp.RotateKey("RS256"); err != nil {
		t.Fatal(err)
	}
	mustPass("token signed with the third key", token(t, idp, "agent", scope, resource))
	_, err = rs.Authenticate(ctx, old)
	if err == nil || !strings.Contains(err.Error(), "does not publish") {
		t.Fatalf("token of the withdrawn key %s: err = %v, want refused as signed by an unpublished key", kid1, err)
	}
	mustPass(fmt.Sprintf("token of the key %s still published", kid2), second)
}

// TestKeyRefreshInterval: a withdrawn key stops being accepted after the
// periodic refresh, even if no token with a new key ID ever arrives.
func TestKeyRefreshInterval(t *testing.T) {
	idp := startIdP(t)
	rs := newRS(t, idp, func(c *oauth.Config) { c.KeyRefreshInterval = 100 * time.Millisecond; c.UnknownKeyRefresh = time.Hour })
	ctx := context.Background()
	old := token(t, idp, "agent", scope, resource)
	if _, err := rs.Authenticate(ctx, old); err != nil {
		t.Fatal(err)
	}
	kid1 := idp.SigningKeyID()
	if _, err := idp.RotateKey("RS256"); err != nil {
		t.Fatal(err)
	}
	if err := idp.RetireKey(kid1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := rs.Authenticate(ctx, old)
		if err != nil {
			if !strings.Contains(err.Error(), "does not publish") {
				t.Fatalf("refused for another reason: %v", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the withdrawn key was still accepted 10 s after it left the JWKS (refresh every 100 ms)")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestUnknownKeyRefreshIsRateLimited: tokens with made-up key IDs cannot
// make the server fetch the issuer's keys more than once per
// UnknownKeyRefresh, and are refused without waiting.
func TestUnknownKeyRefreshIsRateLimited(t *testing.T) {
	idp := startIdP(t)
	rs := newRS(t, idp, func(c *oauth.Config) { c.UnknownKeyRefresh = time.Hour; c.KeyRefreshInterval = time.Hour })
	before := idp.KeyFetches()
	rogue, _ := rsa.GenerateKey(rand.Reader, 2048)
	start := time.Now()
	const n = 50
	for i := range n {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": idp.Issuer, "aud": resource,
			"exp": time.Now().Add(time.Hour).Unix()})
		tok.Header["kid"] = fmt.Sprintf("made-up-%d", i)
		s, _ := tok.SignedString(rogue)
		if _, err := rs.Authenticate(context.Background(), s); err == nil {
			t.Fatal("a token signed by an unpublished key was accepted")
		}
	}
	if got := idp.KeyFetches() - before; got > 1 {
		t.Errorf("%d tokens with unknown key IDs caused %d JWKS fetches, want at most 1 per hour", n, got)
	}
	// Not a timing target: a waiting limiter would take an hour here.
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("refusing %d tokens took %v: requests wait for the refresh limiter", n, d)
	}
}
