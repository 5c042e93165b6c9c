// Package tools holds vpnlens's MCP tools, one file per tool. Each tool is a
// typed handler (arguments in, a result struct with a short text rendering
// out) so the command line can run the same code the assistant calls.
package tools

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/source"
)

// Deps is what every tool needs: where facts come from, a clock and limits.
type Deps struct {
	Inventory source.Inventory
	Logs      source.LogSource
	Now       func() time.Time
	Limits    Limits
	Logger    *slog.Logger
}

// Limits bound what one answer may hold, so a careless call cannot flood
// the assistant's context or the server's memory.
type Limits struct {
	MaxWindow      time.Duration // longest window a tool reads
	MaxRecords     int           // most records one fetch_vpn_logs page returns
	DefaultRecords int
	MaxTimeline    int // most timeline entries one answer returns
}

// DefaultLimits are the limits when none are configured.
var DefaultLimits = Limits{MaxWindow: 31 * 24 * time.Hour, MaxRecords: 500, DefaultRecords: 100, MaxTimeline: 400}

func (d *Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deps) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.Default()
}

// UserError is a mistake in a call (unknown VPN id, bad time, window too
// large) or a condition the caller can act on (logging disabled, access
// denied). It becomes an isError result whose text says how to fix the call;
// other errors are bugs and become protocol errors.
type UserError struct{ Msg string }

func (e *UserError) Error() string { return e.Msg }

func userErrorf(format string, a ...any) error { return &UserError{Msg: fmt.Sprintf(format, a...)} }

// Renderer is a tool result: structured content plus a compact text
// rendering for clients and models that read text.
type Renderer interface {
	Text() string
}

// Def pairs a tool's declaration with its typed handler. Args are read from
// the raw argument map by the tool itself (builder-style schemas keep the
// JSON Schema free of the ["null","array"] unions some providers reject).
type Def[R Renderer] struct {
	Tool   mcp.Tool
	Handle func(ctx context.Context, args map[string]any) (R, error)
}

// ServerTool adapts a Def to mcp-go. The call's arguments are checked
// against the tool's declared input schema first (argcheck.go): unknown,
// missing, mistyped or out-of-range arguments come back as one isError
// answer saying how to fix the call, before the handler runs.
func (d Def[R]) ServerTool(deps *Deps) server.ServerTool {
	name := d.Tool.Name
	spec := newArgSpec(d.Tool)
	return server.ServerTool{Tool: d.Tool, Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if err := spec.check(req.Params.Arguments); err != nil {
			deps.logger().Info("tool call refused", "tool", name, "reason", err.Error())
			return mcp.NewToolResultError(err.Error()), nil
		}
		if req.Params.Meta != nil && req.Params.Meta.ProgressToken != nil {
			ctx = source.WithProgress(ctx, progressNotifier(ctx, req.Params.Meta.ProgressToken, deps.logger()))
		}
		res, err := d.Handle(ctx, req.GetArguments())
		if err != nil {
			var ue *UserError
			if errors.As(err, &ue) || errors.Is(err, source.ErrNotFound) || isSourceError(err) {
				deps.logger().Info("tool call refused", "tool", name, "reason", err.Error())
				return mcp.NewToolResultError(err.Error()), nil
			}
			deps.logger().Error("tool failed", "tool", name, "err", err)
			return nil, err
		}
		return mcp.NewToolResultStructured(res, res.Text()), nil
	}}
}

// progressNotifier turns a source's progress reports into
// notifications/progress for the request's token. A tool call may make
// several long reads, each counting its own steps from 1: a report whose
// count goes back starts a new phase, added on top of the steps already
// announced, so what the client sees only ever increases (as the MCP spec
// requires). Sending is best effort: a lost notification never fails the
// call, and mcp-go's send does not block.
func progressNotifier(ctx context.Context, token mcp.ProgressToken, logger *slog.Logger) source.Progress {
	srv := server.ServerFromContext(ctx)
	var (
		mu           sync.Mutex
		base, last   int // steps of finished phases; last count in this one
		sent, warned bool
		lastProgress int
	)
	return func(done, total int, message string) {
		if srv == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if done < last {
			base += last
		}
		last = done
		progress := base + done
		if sent && progress <= lastProgress {
			return
		}
		params := map[string]any{"progressToken": token, "progress": progress}
		if total > 0 && base+total >= progress {
			params["total"] = base + total
		}
		if message != "" {
			params["message"] = message
		}
		if err := srv.SendNotificationToClient(ctx, "notifications/progress", params); err != nil {
			if !warned {
				logger.Debug("progress notification not sent", "err", err)
				warned = true
			}
			return
		}
		sent, lastProgress = true, progress
	}
}

// isSourceError reports errors the log source or inventory explains to the
// user (AWS access denied, throttled, logging disabled, unreadable file).
func isSourceError(err error) bool {
	var se *source.Error
	return errors.As(err, &se)
}

// readOnly is the annotation set every vpnlens tool carries: they only read
// the logs and inventory of the user's own account, the same answer for the
// same data. mcp-go's defaults say destructive and open-world, so each hint
// is set explicitly.
func readOnly(title string) []mcp.ToolOption {
	return []mcp.ToolOption{
		mcp.WithToolTitle(title),
		mcp.WithTitleAnnotation(title),
		mcp.WithReadOnlyHintAnnotation(true),
		mcp.WithDestructiveHintAnnotation(false),
		mcp.WithIdempotentHintAnnotation(true),
		mcp.WithOpenWorldHintAnnotation(false),
	}
}
