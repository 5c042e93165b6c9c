package tools_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/vpnlens/vpnlens/tools"
)

// FuzzToolArguments calls every tool on the demo data with any JSON object
// as arguments, through the tools' own argument check. The check lets
// through what the handlers accept (numbers for strings, numeric strings
// for numbers), so the seeds' known arguments with mutated values still
// reach the handlers. For every input: no panic, no protocol
// error, and either structured content with a text rendering or an isError
// result that says what is wrong.
func FuzzToolArguments(f *testing.F) {
	const vpn = "vpn-0a1b2c3d4e5f60718"
	seeds := []string{
		`{}`,
		`{"vpn_connection_id":"` + vpn + `","tunnel":"2","at":"20:25"}`,
		`{"vpn_connection_id":"` + vpn + `","tunnel":"203.0.113.20","at":"2026-06-12 22:25","timezone":"Europe/Berlin","window_minutes":90}`,
		`{"vpn_connection_id":"` + vpn + `","start":"latest-6h","end":"latest","anomalies_only":true,"collapse":false}`,
		`{"vpn_connection_id":"` + vpn + `","stream":"bgp","limit":3,"cursor":"abc","categories":["bgp.hold_timer_expired","ike.psk_mismatch"]}`,
		`{"vpn_connection_id":"vpn-0f9e8d7c6b5a40312","start":"2026-06-12T00:00:00Z","end":"2026-06-13T00:00:00Z"}`,
		`{"message":"AWS-side peer sent a Hold Timer Expired notification to neighbor 169.254.10.1"}`,
		`{"message":"{\"details\":\"AWS tunnel received DELETE for IKE_SA from CGW\"}"}`,
		`{"vpn_connection_id":null,"tunnel":1,"at":1781295912,"limit":-1,"window_minutes":1e308}`,
		`{"vpn_connection_id":["x"],"tunnel":{"a":1},"start":true,"end":[],"limit":"5","anomalies_only":"yes","categories":"bgp.,ike."}`,
		`{"at":"now-NaNd","start":"latest-1e300d","end":"now+1h","timezone":"Mars/Olympus","limit":0.5}`,
		`{"vpn_connection_id":"hq-datacenter","tunnel":"tunnel 2","at":"24:61","cursor":"\u0000\uffff"}`,
	}
	all := tools.All(demoDeps(f))
	for _, s := range seeds {
		for i := range all {
			f.Add(uint8(i), []byte(s))
		}
	}

	deps := demoDeps(f)
	handlers := tools.All(deps)
	f.Fuzz(func(t *testing.T, which uint8, raw []byte) {
		var args map[string]any
		if json.Unmarshal(raw, &args) != nil {
			return // not an object: mcp-go rejects it before any handler
		}
		st := handlers[int(which)%len(handlers)]
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req := mcp.CallToolRequest{Params: mcp.CallToolParams{Name: st.Tool.Name, Arguments: args}}
		res, err := st.Handler(ctx, req)
		if err != nil {
			t.Fatalf("%s(%s): protocol error %v (only bugs may end that way)", st.Tool.Name, raw, err)
		}
		if res == nil {
			t.Fatalf("%s(%s): nil result", st.Tool.Name, raw)
		}
		text := resultText(res)
		if res.IsError {
			if text == "" {
				t.Fatalf("%s(%s): isError without a message", st.Tool.Name, raw)
			}
			return
		}
		if res.StructuredContent == nil || text == "" {
			t.Fatalf("%s(%s): success without structured content and text", st.Tool.Name, raw)
		}
		if _, err := json.Marshal(res.StructuredContent); err != nil {
			t.Fatalf("%s(%s): structured content does not encode: %v", st.Tool.Name, raw, err)
		}
	})
}
