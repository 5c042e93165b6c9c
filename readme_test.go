package main

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/tools"
)

// The README's tool table is generated from the tool definitions, so it can
// never drift from what clients see (github-mcp-server keeps its list the
// same way). UPDATE_README=true rewrites it.
func TestReadmeToolList(t *testing.T) {
	var b strings.Builder
	b.WriteString("<!-- tools:start -->\n| tool | what it answers | arguments |\n| --- | --- | --- |\n")
	for _, st := range tools.All(&investigate.Service{Limits: investigate.DefaultLimits}) {
		desc := st.Tool.Description
		if i := strings.Index(desc, ". "); i > 0 {
			desc = desc[:i+1]
		}
		var params []string
		for name := range st.Tool.InputSchema.Properties {
			params = append(params, name)
		}
		sort.Strings(params)
		req := map[string]bool{}
		for _, r := range st.Tool.InputSchema.Required {
			req[r] = true
		}
		for i, p := range params {
			if req[p] {
				params[i] = "`" + p + "` (required)"
			} else {
				params[i] = "`" + p + "`"
			}
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", st.Tool.Name, strings.ReplaceAll(desc, "|", "\\|"), strings.Join(params, ", "))
	}
	b.WriteString("<!-- tools:end -->")
	want := b.String()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(readme, []byte("<!-- tools:start -->"))
	end := bytes.Index(readme, []byte("<!-- tools:end -->"))
	if start < 0 || end < start {
		t.Fatal("README.md lacks the <!-- tools:start --> / <!-- tools:end --> markers")
	}
	end += len("<!-- tools:end -->")
	if string(readme[start:end]) == want {
		return
	}
	if os.Getenv("UPDATE_README") == "true" {
		out := append(append(append([]byte{}, readme[:start]...), want...), readme[end:]...)
		if err := os.WriteFile("README.md", out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md tool table is out of date: run UPDATE_README=true go test -run TestReadmeToolList .\nwant:\n%s", want)
}
