package server

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// A resource read that runs past the limit is stopped, its handler's
// context is cancelled, and the client gets an error that says what to
// read instead; one that ignores its context does not hold the answer.
func TestResourceReadTimeout(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger(), CallTimeout: 200 * time.Millisecond})
	stopped := make(chan error, 1)
	s.AddResource(mcp.NewResource("test://slow", "slow"), func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		<-ctx.Done()
		stopped <- ctx.Err()
		return nil, ctx.Err()
	})
	stubborn := make(chan struct{})
	defer close(stubborn)
	s.AddResource(mcp.NewResource("test://stubborn", "stubborn"), func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		<-stubborn
		return nil, nil
	})
	ts, _ := newTestHTTP(t, s, HTTPOptions{})
	c, err := startClient(t, ctx, ts.URL+EndpointPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, uri := range []string{"test://slow", "test://stubborn"} {
		start := time.Now()
		_, err := c.ReadResource(ctx, mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: uri}})
		if err == nil || !strings.Contains(err.Error(), "took longer than 200ms") || !strings.Contains(err.Error(), "narrower span") {
			t.Errorf("%s: err = %v, want the limit and what to read instead", uri, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: the stopped read took %v", uri, d)
		}
	}
	if got := waitFor(t, stopped, "the slow handler to stop"); !errors.Is(got, context.DeadlineExceeded) {
		t.Errorf("handler context ended with %v, want DeadlineExceeded", got)
	}
	// Real resources answer well inside the limit.
	res, err := c.ReadResource(ctx, mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: "vpn://catalog"}})
	if err != nil || len(res.Contents) == 0 {
		t.Errorf("vpn://catalog under the limit: %v", err)
	}
}
