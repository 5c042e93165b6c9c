package aws_test

import (
	"context"
	"testing"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
)

// Every request is answered on its first attempt. Before sendWholeBody,
// about one request in 600 raced smithy-go's body close against
// net/http's post-send body check, lost its connection under a 200 and
// was sent twice; 3000 sequential calls show that race with near
// certainty, and the fake counts what reached it.
func TestNoSpuriousRetries(t *testing.T) {
	if testing.Short() {
		t.Skip("3000 calls")
	}
	f := newFake(t, fakeaws.Options{})
	src := newSource(t, f, nil)
	const calls = 3000
	for i := range calls {
		src.Forget()
		if _, err := src.Connections(context.Background()); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if got := f.Counts()["DescribeVpnConnections"]; got != calls {
		t.Errorf("%d operations reached AWS as %d requests: the SDK retried a request that had been answered", calls, got)
	}
}
