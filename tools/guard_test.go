package tools_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/tools"
)

// contractTools are the tool names fixed by the interface contract.
var contractTools = []string{
	"list_vpn_connections",
	"get_tunnel_options",
	"fetch_vpn_logs",
	"get_vpn_timeline",
	"classify_vpn_message",
	"diagnose_tunnel_drop",
	"summarize_vpn_health",
}

const toolsnapsDir = "__toolsnaps__"

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// guardDeps has no data: building the tool list must not need any.
func guardDeps() *investigate.Service { return &investigate.Service{Limits: investigate.DefaultLimits} }

// marshalledTools returns each tool as clients see it in tools/list.
func marshalledTools(t *testing.T) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, st := range tools.All(guardDeps()) {
		b, err := json.Marshal(st.Tool)
		if err != nil {
			t.Fatalf("marshal tool %q: %v", st.Tool.Name, err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("unmarshal tool %q: %v", st.Tool.Name, err)
		}
		out[st.Tool.Name] = m
	}
	return out
}

func TestToolNames(t *testing.T) {
	seen := map[string]bool{}
	for _, st := range tools.All(guardDeps()) {
		name := st.Tool.Name
		if seen[name] {
			t.Errorf("tool %q is registered twice", name)
		}
		seen[name] = true
		if !snakeCase.MatchString(name) {
			t.Errorf("tool name %q is not snake_case", name)
		}
		if st.Handler == nil {
			t.Errorf("tool %q has no handler", name)
		}
	}
}

func TestContractToolsPresent(t *testing.T) {
	all := tools.All(guardDeps())
	have := map[string]bool{}
	for _, st := range all {
		have[st.Tool.Name] = true
	}
	var missing []string
	for _, name := range contractTools {
		if !have[name] {
			missing = append(missing, name)
		}
	}
	if len(all) == 0 {
		t.Skipf("tools.All is still empty; contract tools not yet registered: %s", strings.Join(missing, ", "))
	}
	for _, name := range contractTools {
		t.Run(name, func(t *testing.T) {
			if !have[name] {
				t.Errorf("contract tool %q is not registered in tools.All", name)
			}
		})
	}
}

// TestToolAnnotations checks the hints as serialized: mcp.NewTool defaults
// to destructive and open-world, so each one must be set on purpose.
func TestToolAnnotations(t *testing.T) {
	want := map[string]bool{
		"readOnlyHint":    true,
		"destructiveHint": false,
		"idempotentHint":  true,
		"openWorldHint":   false,
	}
	for name, tool := range marshalledTools(t) {
		ann, ok := tool["annotations"].(map[string]any)
		if !ok {
			t.Errorf("%s: no annotations object", name)
			continue
		}
		for hint, w := range want {
			got, ok := ann[hint].(bool)
			if !ok {
				t.Errorf("%s: annotations.%s is not set", name, hint)
			} else if got != w {
				t.Errorf("%s: annotations.%s = %v, want %v", name, hint, got, w)
			}
		}
	}
}

func TestToolSchemas(t *testing.T) {
	for name, tool := range marshalledTools(t) {
		t.Run(name, func(t *testing.T) {
			if d, _ := tool["description"].(string); strings.TrimSpace(d) == "" {
				t.Error("description is empty")
			}
			in, ok := tool["inputSchema"].(map[string]any)
			if !ok {
				t.Fatal("no inputSchema")
			}
			if in["type"] != "object" {
				t.Errorf("inputSchema.type = %v, want object", in["type"])
			}
			checkPropertiesDescribed(t, "inputSchema", in)
			checkNoTypeUnions(t, "inputSchema", in)
			if req, ok := in["required"].([]any); ok {
				props, _ := in["properties"].(map[string]any)
				for _, r := range req {
					if _, ok := props[fmt.Sprint(r)]; !ok {
						t.Errorf("inputSchema requires %v, which is not a property", r)
					}
				}
			}
			out, ok := tool["outputSchema"].(map[string]any)
			if !ok {
				t.Fatal("no outputSchema: tools must declare their structured content")
			}
			if out["type"] != "object" {
				t.Errorf("outputSchema.type = %v, want object", out["type"])
			}
		})
	}
}

// checkPropertiesDescribed requires a description on every property, at
// every depth: the model sees nothing else about an argument.
func checkPropertiesDescribed(t *testing.T, path string, schema map[string]any) {
	t.Helper()
	props, _ := schema["properties"].(map[string]any)
	for _, pname := range sortedKeys(props) {
		p, ok := props[pname].(map[string]any)
		if !ok {
			t.Errorf("%s.properties.%s is not an object", path, pname)
			continue
		}
		if d, _ := p["description"].(string); strings.TrimSpace(d) == "" {
			t.Errorf("%s.properties.%s has no description", path, pname)
		}
		checkPropertiesDescribed(t, path+".properties."+pname, p)
		if items, ok := p["items"].(map[string]any); ok {
			checkPropertiesDescribed(t, path+".properties."+pname+".items", items)
		}
	}
}

// checkNoTypeUnions rejects "type": [...] anywhere in an input schema: some
// model providers accept only a single type per schema node, and mcp-go's
// struct reflection turns slices into ["null","array"].
func checkNoTypeUnions(t *testing.T, path string, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			if k == "type" {
				if _, isList := x[k].([]any); isList {
					t.Errorf("%s.type is a union %v: use a single type (builder-style mcp.WithArray etc.)", path, x[k])
				}
				continue
			}
			checkNoTypeUnions(t, path+"."+k, x[k])
		}
	case []any:
		for i, e := range x {
			checkNoTypeUnions(t, fmt.Sprintf("%s[%d]", path, i), e)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestToolSnapshots compares each tool's marshalled declaration with
// __toolsnaps__/<name>.snap so a schema change is always a reviewed diff.
// UPDATE_TOOLSNAPS=true rewrites the snapshots and removes those of tools
// that no longer exist.
func TestToolSnapshots(t *testing.T) {
	update := os.Getenv("UPDATE_TOOLSNAPS") == "true"
	all := tools.All(guardDeps())
	current := map[string]bool{}
	for _, st := range all {
		name := st.Tool.Name
		current[name] = true
		got, err := json.MarshalIndent(st.Tool, "", "  ")
		if err != nil {
			t.Fatalf("marshal %s: %v", name, err)
		}
		got = append(got, '\n')
		path := filepath.Join(toolsnapsDir, name+".snap")
		if update {
			if err := os.MkdirAll(toolsnapsDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			t.Errorf("%s: no snapshot %s; run UPDATE_TOOLSNAPS=true go test ./tools/ and commit it", name, path)
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(normalizeJSON(t, want), normalizeJSON(t, got)) {
			t.Errorf("%s: schema differs from %s; if intended, run UPDATE_TOOLSNAPS=true go test ./tools/ and commit the diff\n--- snapshot\n%s\n--- now\n%s", name, path, want, got)
		}
	}

	entries, err := os.ReadDir(toolsnapsDir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".snap")
		if !ok || current[name] {
			continue
		}
		path := filepath.Join(toolsnapsDir, e.Name())
		if update {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("snapshot %s belongs to no registered tool; run UPDATE_TOOLSNAPS=true go test ./tools/ to remove it", path)
	}
}

// normalizeJSON makes the comparison blind to whitespace and key order.
func normalizeJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("snapshot is not JSON: %v", err)
	}
	out, _ := json.Marshal(v)
	return out
}
