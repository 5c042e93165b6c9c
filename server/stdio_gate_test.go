package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestIDScanner(t *testing.T) {
	big := strings.Repeat("x", 5000)
	for _, tc := range []struct {
		name, msg    string
		id           string // "" for none
		notification bool
	}{
		{"id first", `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"arguments":{"message":"` + big + `"}}}`, "7", false},
		{"id last (TypeScript SDK order)", `{"method":"tools/call","params":{"id":99,"arguments":{"id":"inner","m":"` + big + `"}},"jsonrpc":"2.0","id":"req-1"}`, `"req-1"`, false},
		{"string id with escapes", `{"id":"a\"b\\c","params":{"x":"` + big + `"}}`, `"a\"b\\c"`, false},
		{"spaces", ` { "id" : -12 , "params" : [ "` + big + `" ] } `, "-12", false},
		{"notification", `{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"` + big + `"}}`, "", true},
		{"escaped key is not id", `{"\u0069d":5,"params":"` + big + `"}`, "", true},
		{"key with id in it", `{"idx":5,"xid":6,"params":"` + big + `"}`, "", true},
		{"object id", `{"id":{"a":1},"params":"` + big + `"}`, "", false},
		{"null id", `{"id":null,"params":"` + big + `"}`, "", false},
		{"cut off", `{"jsonrpc":"2.0","params":{"x":"` + big, "", false},
		{"batch", `[{"id":1,"params":"` + big + `"}]`, "", false},
		{"not JSON", `hello ` + big, "", false},
		{"id too long to report", `{"id":"` + big + `"}`, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Whole, and a byte at a time: the pieces do not matter.
			for _, step := range []int{len(tc.msg), 1, 7} {
				var s idScanner
				for i := 0; i < len(tc.msg); i += step {
					s.feed([]byte(tc.msg[i:min(i+step, len(tc.msg))]))
				}
				if string(s.id) != tc.id || s.notification() != tc.notification {
					t.Errorf("step %d: id %q notification %v, want %q %v", step, s.id, s.notification(), tc.id, tc.notification)
				}
			}
		})
	}
}

// repeated is an endless run of one byte, read without holding it.
type repeated byte

func (r repeated) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// stdioPipe serves s over stdio with a message limit, fed by the returned
// writer; answers are read one line at a time.
func stdioPipe(t *testing.T, maxMessage int) (in *io.PipeWriter, answers *bufio.Scanner) {
	t.Helper()
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger()})
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- serveStdio(context.Background(), s, inR, outW, quietLogger(), maxMessage)
		outW.Close()
	}()
	t.Cleanup(func() {
		inW.Close()
		go func() { _, _ = io.Copy(io.Discard, outR) }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serveStdio: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("serveStdio did not end after stdin closed")
		}
	})
	sc := bufio.NewScanner(outR)
	sc.Buffer(nil, 1<<20)
	return inW, sc
}

func nextAnswer(t *testing.T, sc *bufio.Scanner) rpcLine {
	t.Helper()
	if !sc.Scan() {
		t.Fatalf("no answer: %v", sc.Err())
	}
	var m rpcLine
	if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
		t.Fatalf("answer %q: %v", sc.Text(), err)
	}
	return m
}

// TestStdioMessageLimit: a message longer than the limit is answered with
// Invalid Request naming its size and the limit, under its own id (which
// comes last here), and is not held in memory: a 64 MiB message costs a
// few MiB of allocation, not 64. The session goes on; an over-long
// notification gets no answer.
func TestStdioMessageLimit(t *testing.T) {
	const limit = 1 << 20
	in, answers := stdioPipe(t, limit)
	send := func(r io.Reader) {
		t.Helper()
		if _, err := io.Copy(in, r); err != nil {
			t.Fatal(err)
		}
	}
	send(strings.NewReader(initializeBody + "\n" + `{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n"))
	if a := nextAnswer(t, answers); string(a.ID) != "1" || a.Result == nil {
		t.Fatalf("initialize: %+v", a)
	}

	// A message right at the limit (newline included) is served.
	head := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"classify_vpn_message","arguments":{"message":"`
	tail := `"}}}` + "\n"
	send(strings.NewReader(head + strings.Repeat("A", limit-len(head)-len(tail)) + tail))
	if a := nextAnswer(t, answers); string(a.ID) != "2" || a.Result == nil {
		t.Fatalf("a message of exactly the limit: %+v", a)
	}

	const huge = 64 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	pre, post := `{"method":"tools/call","params":{"name":"classify_vpn_message","arguments":{"message":"`, `"}},"jsonrpc":"2.0","id":"big-1"}`+"\n"
	send(io.MultiReader(strings.NewReader(pre), io.LimitReader(repeated('A'), huge), strings.NewReader(post)))
	a := nextAnswer(t, answers)
	runtime.ReadMemStats(&after)
	var e struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(a.Error, &e)
	if string(a.ID) != `"big-1"` || e.Code != -32600 || !strings.Contains(e.Message, "1048576 bytes") || !strings.Contains(e.Message, fmt.Sprintf("has %d bytes", len(pre)+huge+len(post))) {
		t.Errorf("over-long message: id %s error %+v, want id \"big-1\", -32600 naming its size and the limit", a.ID, e)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("skipping a %d MiB message allocated %d MiB: it was held in memory", huge>>20, alloc>>20)
	}

	// An over-long notification is dropped without an answer; the next
	// request is served as usual.
	send(io.MultiReader(strings.NewReader(`{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"`),
		io.LimitReader(repeated('B'), 2*limit), strings.NewReader(`"}}`+"\n"+`{"jsonrpc":"2.0","id":3,"method":"ping"}`+"\n")))
	if a := nextAnswer(t, answers); string(a.ID) != "3" || a.Result == nil {
		t.Errorf("after an over-long notification: %+v, want the ping's answer", a)
	}
}

// TestRequestsBeforeInitialize: over stdio, a request other than ping
// before initialize is refused with -32600 and says what to send; ping is
// answered, and after initialize (or server/discover) everything is
// served, also when the client writes its first call right behind
// initialize. A request of
// protocol 2026-07-28 (no initialize in it) is served. Over HTTP a request
// without a session gets 404.
func TestRequestsBeforeInitialize(t *testing.T) {
	in, answers := stdioPipe(t, MaxStdioMessageBytes)
	send := func(msg string) {
		t.Helper()
		if _, err := io.WriteString(in, msg+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	for _, msg := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"classify_vpn_message","arguments":{"message":"x"}}}`,
		`{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"vpn://catalog"}}`,
	} {
		send(msg)
		a := nextAnswer(t, answers)
		if !strings.Contains(string(a.Error), "-32600") || !strings.Contains(string(a.Error), "before initialize") || a.Result != nil {
			t.Errorf("%s before initialize: %s %s, want -32600 saying to initialize first", msg, a.Error, a.Result)
		}
	}
	send(`{"jsonrpc":"2.0","id":4,"method":"ping"}`)
	if a := nextAnswer(t, answers); string(a.ID) != "4" || a.Result == nil {
		t.Errorf("ping before initialize: %+v, want an answer", a)
	}
	send(`{"jsonrpc":"2.0","id":5,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"m","version":"0"},"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`)
	if a := nextAnswer(t, answers); string(a.ID) != "5" || !strings.Contains(string(a.Result), "diagnose_tunnel_drop") {
		t.Errorf("a 2026-07-28 tools/list without initialize: %s %s, want the tools", a.Error, a.Result)
	}

	// A client that started with server/discover (protocol 2026-07-28)
	// and then leaves out _meta is served as after initialize.
	send(`{"jsonrpc":"2.0","id":6,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"m","version":"0"},"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`)
	if a := nextAnswer(t, answers); string(a.ID) != "6" || a.Result == nil {
		t.Errorf("server/discover: %s", a.Error)
	}
	send(`{"jsonrpc":"2.0","id":7,"method":"tools/list"}`)
	if a := nextAnswer(t, answers); string(a.ID) != "7" || !strings.Contains(string(a.Result), "diagnose_tunnel_drop") {
		t.Errorf("tools/list after server/discover: %s %.100s", a.Error, a.Result)
	}

	// Written at once, in one piece: the call follows initialize in the
	// stream, so it is served.
	in2, answers2 := stdioPipe(t, MaxStdioMessageBytes)
	if _, err := io.WriteString(in2, initializeBody+"\n"+`{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n"+`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`+"\n"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if a := nextAnswer(t, answers2); a.Error != nil {
			t.Errorf("initialize and tools/list written together: %s", a.Error)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := New(Config{Version: "test-version", Service: testDeps(t), Logger: quietLogger()})
	ts, _ := newTestHTTP(t, s, HTTPOptions{})
	resp := post(t, ctx, ts.URL+EndpointPath, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, map[string]string{"MCP-Protocol-Version": "2025-11-25"})
	if body := drain(resp); resp.StatusCode != http.StatusNotFound {
		t.Errorf("HTTP tools/list without a session = %d %q, want 404", resp.StatusCode, body)
	}
}
