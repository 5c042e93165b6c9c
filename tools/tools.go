// Package tools holds vpnlens's MCP tools, one file per tool: each declares
// its arguments (the input schema, which is also what the arguments are
// checked against), reads them into a question for the service layer
// (package investigate) and returns the service's answer as structured
// content and text. Mistakes in a call are one isError result naming every
// problem; anything else is a protocol error.
package tools

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
)

// Renderer is a tool's answer: its structured content, and the same facts
// as text for clients and models that read text.
type Renderer interface {
	Text() string
}

// Def pairs a tool's declaration with its typed handler. The declaration's
// input schema is the one statement of the arguments: the check before the
// handler (argcheck.go) and the request getters (request.go) follow it.
// Builder-style schemas keep the JSON Schema free of the ["null","array"]
// unions some providers reject.
type Def[R Renderer] struct {
	Tool   mcp.Tool
	Handle func(ctx context.Context, r *Request) (R, error)
}

// ServerTool adapts a Def to mcp-go. The call's arguments are checked
// against the tool's declared input schema first (argcheck.go); the
// handler then reads the arguments the check let through and adds what it
// finds wrong with them, so one isError answer names every problem of the
// call and says how to fix it.
func (d Def[R]) ServerTool(svc *investigate.Service) server.ServerTool {
	name := d.Tool.Name
	spec := newArgSpec(d.Tool)
	return server.ServerTool{Tool: d.Tool, Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		c := spec.check(req.Params.Arguments)
		if c.fatal {
			msg := shortenEchoes(spec.problemsError(c.problems, c.unknown).Error())
			logger(svc).Info("tool call refused", "tool", name, "reason", msg)
			return mcp.NewToolResultError(msg), nil
		}
		if req.Params.Meta != nil && req.Params.Meta.ProgressToken != nil {
			ctx = source.WithProgress(ctx, progressNotifier(ctx, req.Params.Meta.ProgressToken, logger(svc)))
		}
		res, err := d.Handle(ctx, newRequest(spec, c))
		if err != nil {
			var ue *investigate.UserError
			// The caller's values are repeated in the message at most
			// echoLimit characters long, here and in the log.
			msg := shortenEchoes(err.Error())
			if errors.As(err, &ue) || errors.Is(err, source.ErrNotFound) || isSourceError(err) {
				logger(svc).Info("tool call refused", "tool", name, "reason", msg)
				return mcp.NewToolResultError(msg), nil
			}
			logger(svc).Error("tool failed", "tool", name, "err", msg)
			if msg != err.Error() {
				return nil, &shortenedError{msg: msg, err: err}
			}
			return nil, err
		}
		return mcp.NewToolResultStructured(res, res.Text()), nil
	}}
}

// logger is the service's logger, or the default one.
func logger(svc *investigate.Service) *slog.Logger {
	if svc != nil && svc.Logger != nil {
		return svc.Logger
	}
	return slog.Default()
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
