package server

import (
	"context"
	"errors"
	"io"
	"log/slog"

	mcpserver "github.com/mark3labs/mcp-go/server"
)

// ServeStdio serves s over stdin/stdout until ctx is cancelled or stdin
// closes. out carries only MCP JSON-RPC messages: every log line goes to
// the logger (stderr), never to out. A message longer than
// MaxStdioMessageBytes, and a request before initialize, are answered
// with an error and skipped.
func ServeStdio(ctx context.Context, s *mcpserver.MCPServer, in io.Reader, out io.Writer, logger *slog.Logger) error {
	return serveStdio(ctx, s, in, out, logger, MaxStdioMessageBytes)
}

func serveStdio(ctx context.Context, s *mcpserver.MCPServer, in io.Reader, out io.Writer, logger *slog.Logger, maxMessage int) error {
	if logger == nil {
		logger = slog.Default()
	}
	stdio := mcpserver.NewStdioServer(s)
	stdio.SetErrorLogger(slog.NewLogLogger(logger.Handler(), slog.LevelError))
	logger.Info("serving MCP over stdio")
	w := &lockedWriter{w: out}
	err := stdio.Listen(ctx, newStdinGate(in, maxMessage, w, logger), w)
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) {
		logger.Info("stdio session ended")
		return nil
	}
	return err
}
