package main

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/source"
)

// The help describes the demo as it is: its connections counted from the
// embedded inventory, and how many of them log nothing.
func TestHelpDescribesTheDemo(t *testing.T) {
	sub, err := fs.Sub(demoFS, demoDir)
	if err != nil {
		t.Fatal(err)
	}
	local, err := source.OpenFS(source.HideFiles(sub, "expected.json"), "demo", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	conns, err := local.Connections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	silent := 0
	for _, c := range conns {
		logs := false
		for _, tn := range c.Tunnels {
			logs = logs || tn.Logging.IKEEnabled || tn.Logging.BGPEnabled
		}
		if !logs {
			silent++
		}
	}
	words := map[int]string{1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
	if words[len(conns)] == "" || words[silent] == "" {
		t.Fatalf("demo has %d connections, %d without logging: extend the test's numbers", len(conns), silent)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"help"}, &out, &errOut); code != exitOK {
		t.Fatalf("help exited %d: %s", code, errOut.String())
	}
	help := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{words[len(conns)] + " VPN connections", words[silent] + " of them with logging off"} {
		if !strings.Contains(help, want) {
			t.Errorf("help does not say %q about --demo:\n%s", want, out.String())
		}
	}
}
