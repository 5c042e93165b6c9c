// Package server assembles the vpnlens MCP server (tools, resources,
// prompts, instructions) and serves it over stdio or streamable HTTP.
package server

import (
	_ "embed"
	"log/slog"
	"time"

	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/resources"
	"github.com/vpnlens/vpnlens/tools"
)

// Name is the server name announced to clients in initialize.
const Name = "vpnlens"

// instructions tell the assistant how the tools fit together. They are
// written for a language model and never include log content.
//
//go:embed instructions.md
var instructions string

// Instructions returns the server instructions sent to clients.
func Instructions() string { return instructions }

// Config is what New needs.
type Config struct {
	Version string
	// Service answers the tools, resources and prompts (an empty one when nil).
	Service *investigate.Service
	// Logger receives one line per request and per tool call (mcp-go's
	// request logging). Nil turns request logging off.
	Logger *slog.Logger
	// CallTimeout bounds each tool call and resource read (DefaultCallTimeout when zero;
	// negative: no limit).
	CallTimeout time.Duration
}

// New builds the MCP server with every vpnlens tool, resource and prompt.
func New(cfg Config) *mcpserver.MCPServer {
	svc := cfg.Service
	if svc == nil {
		svc = &investigate.Service{Limits: investigate.DefaultLimits}
	}
	if svc.Logger == nil && cfg.Logger != nil {
		svc.Logger = cfg.Logger
	}
	version := cfg.Version
	if version == "" {
		version = "(devel)"
	}
	// Hooks are shared: resources add theirs in Register.
	hooks := &mcpserver.Hooks{}
	hooks.AddOnRequestInitialization(refuseLongNames)
	opts := []mcpserver.ServerOption{
		mcpserver.WithTitle("vpnlens: AWS Site-to-Site VPN log diagnosis"),
		mcpserver.WithInstructions(instructions),
		mcpserver.WithToolCapabilities(false),
		// vpn://incidents can be subscribed to; the hooks track who did.
		mcpserver.WithResourceCapabilities(true, false),
		mcpserver.WithHooks(hooks),
		mcpserver.WithPromptCapabilities(false),
		mcpserver.WithLogging(),
		// A panicking handler becomes an error answer for that call
		// instead of taking the whole server (and the user's session) down.
		mcpserver.WithRecovery(),
		mcpserver.WithResourceRecovery(),
		// No mcpserver.WithInputSchemaValidation(): its messages are Go
		// struct dumps ("/tunnel: &{Got:number Want:[string]}") and it lets
		// unknown arguments through. The tools check their arguments
		// themselves against their own schemas (tools/argcheck.go), with
		// messages a model can act on.
	}
	callLimit := cfg.CallTimeout
	if callLimit == 0 {
		callLimit = DefaultCallTimeout
	}
	if callLimit > 0 {
		logger := svc.Logger
		if logger == nil {
			logger = slog.Default()
		}
		opts = append(opts, mcpserver.WithToolHandlerMiddleware(callTimeout(callLimit, logger)),
			mcpserver.WithResourceHandlerMiddleware(readTimeout(callLimit, logger)))
	}
	// Completions of template and prompt arguments (known VPN ids).
	opts = append(opts, resources.ServerOptions(svc)...)
	if cfg.Logger != nil {
		opts = append(opts, mcpserver.WithLogger(cfg.Logger))
	}
	s := mcpserver.NewMCPServer(Name, version, opts...)
	s.AddTools(tools.All(svc)...)
	resources.Register(s, svc)
	return s
}

// Defaults of the HTTP limits.
const (
	DefaultMaxBodyBytes   = 1 << 20 // one MCP request; the largest real one is a few KiB
	DefaultMaxSessions    = 100
	DefaultSessionIdleTTL = 30 * time.Minute
	DefaultCallTimeout    = 60 * time.Second
	// A request's headers must arrive within DefaultHeaderTimeout and its
	// body within DefaultReadTimeout after them.
	DefaultHeaderTimeout = 10 * time.Second
	DefaultReadTimeout   = 30 * time.Second
	DefaultIdleTimeout   = 2 * time.Minute
	// Connections one client address may hold before it authenticates: a
	// few dozen covers clients that open many at once; the default
	// load test (50 sessions from one address) stays well inside.
	DefaultMaxUnauthConns = 64
	// Wrong bearer tokens per client address and minute (also the burst).
	DefaultAuthFailuresPerMinute = 30
)
