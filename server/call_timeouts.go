package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/mark3labs/mcp-go/mcp"
)

// bounded is how a handler run under a deadline ended.
type bounded int

// runBounded runs fn with a context that ends after d. fn runs in its own
// goroutine so that the answer comes on time even from a handler that does
// not watch its context (it finishes in the background, its result
// dropped); a panic in fn becomes an error. A handler that returned failed
// because the deadline passed counts as deadlineFirst: the timeout is the
// better explanation.
func runBounded[T any](ctx context.Context, d time.Duration, what string, fn func(context.Context) (T, error), failed func(T, error) bool) (T, bounded, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	type outcome struct {
		v   T
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			if p := recover(); p != nil {
				o = outcome{err: fmt.Errorf("panic recovered in %s: %v", what, p)}
			}
			done <- o
		}()
		o.v, o.err = fn(ctx)
	}()
	var zero T
	select {
	case o := <-done:
		if parent.Err() != nil || !errors.Is(ctx.Err(), context.DeadlineExceeded) || !failed(o.v, o.err) {
			return o.v, finished, o.err
		}
		return zero, deadlineFirst, nil
	case <-ctx.Done():
	}
	if err := parent.Err(); err != nil {
		return zero, clientGone, err
	}
	return zero, deadlineFirst, nil
}

// callTimeout bounds every tool call: the handler's context is cancelled
// at the deadline and the caller gets an isError result saying how to ask
// for less. The same path answers promptly when the client cancels
// (notifications/cancelled) or disconnects.
func callTimeout(d time.Duration, logger *slog.Logger) mcpserver.ToolHandlerMiddleware {
	return func(next mcpserver.ToolHandlerFunc) mcpserver.ToolHandlerFunc {
		return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			res, how, err := runBounded(ctx, d, req.Params.Name+" tool handler",
				func(ctx context.Context) (*mcp.CallToolResult, error) { return next(ctx, req) },
				func(res *mcp.CallToolResult, err error) bool { return err != nil || (res != nil && res.IsError) })
			switch how {
			case clientGone:
				logger.Info("tool call cancelled by the client", "tool", req.Params.Name, "reason", context.Cause(ctx))
			case deadlineFirst:
				logger.Warn("tool call timed out", "tool", req.Params.Name, "timeout", d.String())
				return timeoutResult(ctx, req.Params.Name, d), nil
			}
			return res, err
		}
	}
}

// readTimeout bounds every resource read as callTimeout bounds tool calls:
// a timeline or incident resource reads logs too. A read has no isError
// result, so the deadline is a JSON-RPC error that says what to read
// instead.
func readTimeout(d time.Duration, logger *slog.Logger) mcpserver.ResourceHandlerMiddleware {
	return func(next mcpserver.ResourceHandlerFunc) mcpserver.ResourceHandlerFunc {
		return func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			contents, how, err := runBounded(ctx, d, "reading "+req.Params.URI,
				func(ctx context.Context) ([]mcp.ResourceContents, error) { return next(ctx, req) },
				func(_ []mcp.ResourceContents, err error) bool { return err != nil })
			switch how {
			case clientGone:
				logger.Info("resource read cancelled by the client", "uri", req.Params.URI, "reason", context.Cause(ctx))
			case deadlineFirst:
				logger.Warn("resource read timed out", "uri", req.Params.URI, "timeout", d.String())
				return nil, fmt.Errorf("reading %s took longer than %s and was stopped: read a shorter timeline (vpn://timeline/{vpn}/{start}/{end} with a narrower span), or call get_vpn_timeline with tunnel or anomalies_only=true", req.Params.URI, d)
			}
			return contents, err
		}
	}
}

// timeoutResult tells the model the call took too long and which of the
// tool's own arguments make it cheaper.
func timeoutResult(ctx context.Context, tool string, d time.Duration) *mcp.CallToolResult {
	msg := fmt.Sprintf("%s took longer than %s and was stopped.", tool, d)
	if s := mcpserver.ServerFromContext(ctx); s != nil {
		if st := s.GetTool(tool); st != nil {
			if hint := narrowingHint(st.Tool); hint != "" {
				return mcp.NewToolResultError(msg + " Ask for less: " + hint + ".")
			}
		}
	}
	return mcp.NewToolResultError(msg + " Retry later; if it keeps happening the log source is slow (see the server log).")
}

func narrowingHint(tool mcp.Tool) string {
	b, err := json.Marshal(tool)
	if err != nil {
		return ""
	}
	var decl struct {
		InputSchema struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"inputSchema"`
	}
	if json.Unmarshal(b, &decl) != nil {
		return ""
	}
	var parts []string
	for _, n := range narrowers {
		if _, ok := decl.InputSchema.Properties[n.arg]; ok {
			parts = append(parts, n.advice)
		}
	}
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	out := ""
	for i, p := range parts {
		switch {
		case i == 0:
			out = p
		case i == len(parts)-1:
			out += " or " + p
		default:
			out += ", " + p
		}
	}
	return out
}
