package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/vpnlens/vpnlens/server"
	"github.com/vpnlens/vpnlens/server/oauth"
)

type serveFlags struct {
	sf          sourceFlags
	httpAddr    string
	logLevel    string
	tokenFile   string
	httpOpts    server.HTTPOptions
	callTimeout time.Duration
	oauth       oauth.Config
}

// httpOnlyFlags apply only with --http.
var httpOnlyFlags = []string{"token-file", "allow-origin", "tls-cert", "tls-key", "max-body", "max-sessions",
	"read-timeout", "idle-timeout", "max-unauth-conns", "max-auth-failures",
	"oauth-issuer", "oauth-resource", "oauth-audience", "oauth-scopes"}

// oauthFlags apply only with --oauth-issuer.
var oauthFlags = []string{"oauth-resource", "oauth-audience", "oauth-scopes"}

func newServeCommand() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Run the MCP server (stdio by default, or streamable HTTP with --http)",
		Long: `Run vpnlens as an MCP server: an assistant (Claude Desktop, Claude Code, VS Code)
calls its tools (diagnose_tunnel_drop, get_vpn_timeline, ...) and reads its
resources. By default it speaks MCP over stdin/stdout; --http serves streamable
HTTP at http://ADDR/mcp instead (and /healthz). Listening on anything but
loopback requires a bearer token (--token-file or env VPNLENS_TOKEN) or OAuth:
with --oauth-issuer every client brings a JWT access token from that
authorization server, issued for this server's URL (--oauth-resource).

Logs always go to stderr: in stdio mode stdout carries only MCP messages.
Without --demo, --logs-dir or --logs-s3 the AWS source is used (--region, --profile).`,
		Example: `  vpnlens serve --demo
  vpnlens serve --logs-dir ./exported-logs --http 127.0.0.1:8080
  vpnlens serve --logs-s3 s3://my-log-bucket/exportedlogs --profile audit
  vpnlens serve --region eu-central-1 --http 0.0.0.0:8443 --token-file ~/.vpnlens-token \
    --tls-cert cert.pem --tls-key key.pem
  vpnlens serve --region eu-central-1 --http 0.0.0.0:8080 \
    --oauth-issuer https://keycloak.example.com/realms/ops \
    --oauth-resource https://vpnlens.example.com/mcp --oauth-scopes vpnlens.read`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd, &f) },
	}
	fs := cmd.Flags()
	f.sf.addFlags(fs, "demo", "logs-dir", "logs-s3", "region", "profile", "log-group")
	fs.StringVar(&f.httpAddr, "http", "", "serve streamable HTTP on `ADDR` (e.g. 127.0.0.1:8080; a bare port means 127.0.0.1) at /mcp instead of stdio")
	fs.StringVar(&f.logLevel, "log-level", "info", "log `level`: debug, info, warn or error (logs go to stderr)")
	fs.StringVar(&f.tokenFile, "token-file", "", "read the bearer token HTTP clients must send from `PATH` (else env VPNLENS_TOKEN); required off loopback")
	fs.StringArrayVar(&f.httpOpts.AllowOrigins, "allow-origin", nil, "browser `origin` allowed to call /mcp besides localhost (repeatable or comma-separated)")
	fs.StringVar(&f.httpOpts.TLSCertFile, "tls-cert", "", "TLS certificate `file` (PEM); serve HTTPS (needs --tls-key)")
	fs.StringVar(&f.httpOpts.TLSKeyFile, "tls-key", "", "TLS private key `file` (PEM)")
	f.httpOpts.MaxBodyBytes = server.DefaultMaxBodyBytes
	fs.Var((*byteSize)(&f.httpOpts.MaxBodyBytes), "max-body", "largest HTTP request body in `bytes` (suffixes KiB, MiB)")
	fs.IntVar(&f.httpOpts.MaxSessions, "max-sessions", server.DefaultMaxSessions, "most concurrent MCP sessions over HTTP; new ones beyond get 503")
	fs.DurationVar(&f.httpOpts.ReadTimeout, "read-timeout", server.DefaultReadTimeout, "longest a client may take to send a request body after its headers (`duration`; headers get 10s at most); slower ones get 408")
	fs.DurationVar(&f.httpOpts.IdleTimeout, "idle-timeout", server.DefaultIdleTimeout, "close a kept-alive HTTP connection after this long without a request (`duration`)")
	fs.IntVar(&f.httpOpts.MaxUnauthConns, "max-unauth-conns", server.DefaultMaxUnauthConns, "most connections one client address (IPv4, IPv6 /64) may hold before a request on them is authenticated; more get 429 (0: no cap)")
	fs.IntVar(&f.httpOpts.AuthFailuresPerMinute, "max-auth-failures", server.DefaultAuthFailuresPerMinute, "wrong bearer tokens one client address may send per minute; beyond, its requests get 429 until it slows down (0: no limit)")
	fs.StringVar(&f.oauth.Issuer, "oauth-issuer", "", "accept OAuth access tokens (JWT) from the authorization server with this issuer `URL` instead of a static token")
	fs.StringVar(&f.oauth.Resource, "oauth-resource", "", "this MCP endpoint's public `URL` as clients reach it, e.g. https://vpnlens.example.com/mcp (default: http(s)://ADDR/mcp); tokens must be issued for it")
	fs.StringArrayVar(&f.oauth.Audiences, "oauth-audience", nil, "accept tokens whose aud holds this `value` (repeatable or comma-separated; default: the --oauth-resource URL)")
	fs.StringArrayVar(&f.oauth.Scopes, "oauth-scopes", nil, "scopes every token must carry (`list`, comma- or space-separated, repeatable); missing ones get 403 insufficient_scope")
	fs.DurationVar(&f.callTimeout, "call-timeout", server.DefaultCallTimeout, "longest a tool call or resource read may run (`duration`, 0: no limit)")
	_ = cmd.RegisterFlagCompletionFunc("log-level", completeLogLevel)
	return cmd
}

func runServe(cmd *cobra.Command, f *serveFlags) error {
	if f.httpAddr == "" {
		var httpOnly []string
		for _, name := range httpOnlyFlags {
			if cmd.Flags().Changed(name) {
				httpOnly = append(httpOnly, "--"+name)
			}
		}
		if len(httpOnly) > 0 {
			return badArgsf("%s only apply with --http", strings.Join(httpOnly, ", "))
		}
	}
	if f.oauth.Issuer == "" {
		var needIssuer []string
		for _, name := range oauthFlags {
			if cmd.Flags().Changed(name) {
				needIssuer = append(needIssuer, "--"+name)
			}
		}
		if len(needIssuer) > 0 {
			return badArgsf("%s only apply with --oauth-issuer", strings.Join(needIssuer, ", "))
		}
	}
	if f.httpOpts.MaxSessions < 1 {
		return badArgsf("--max-sessions must be at least 1")
	}
	if f.httpOpts.ReadTimeout <= 0 || f.httpOpts.IdleTimeout <= 0 {
		return badArgsf("--read-timeout and --idle-timeout must be positive durations, e.g. 30s")
	}
	if f.httpOpts.MaxUnauthConns < 0 || f.httpOpts.AuthFailuresPerMinute < 0 {
		return badArgsf("--max-unauth-conns and --max-auth-failures must not be negative (0 turns the limit off)")
	}
	callTimeout := f.callTimeout
	if callTimeout < 0 {
		return badArgsf("--call-timeout must not be negative (0 means no limit)")
	}
	if callTimeout == 0 {
		callTimeout = -1 // server.Config: negative is no limit
	}
	httpAddr, httpOpts := f.httpAddr, f.httpOpts
	// server.HTTPOptions: zero means the default, negative no limit.
	if httpOpts.MaxUnauthConns == 0 {
		httpOpts.MaxUnauthConns = -1
	}
	if httpOpts.AuthFailuresPerMinute == 0 {
		httpOpts.AuthFailuresPerMinute = -1
	}
	if f.oauth.Issuer != "" {
		cfg := f.oauth
		cfg.Audiences = splitList(cfg.Audiences)
		cfg.Scopes = splitList(cfg.Scopes)
		httpOpts.OAuth = &cfg
	}
	var tokenFrom string
	if httpAddr != "" {
		// Refuse a bad HTTP setup before reading any logs: an exposed
		// listener without a token, half a TLS pair, a bad origin.
		var err error
		httpOpts.Token, tokenFrom, err = server.LoadToken(f.tokenFile, os.Getenv("VPNLENS_TOKEN"))
		if err == nil {
			httpAddr, err = httpOpts.Check(httpAddr)
		}
		if err != nil {
			return badArgs(err)
		}
	}
	// Logs always go to the process's stderr: in stdio mode stdout belongs
	// to MCP alone.
	logger, err := newLogger(os.Stderr, f.logLevel)
	if err != nil {
		return badArgs(err)
	}
	slog.SetDefault(logger)

	deps, err := f.sf.open(logger)
	if err != nil {
		return fail(err)
	}
	ver := buildVersion()
	s := server.New(server.Config{Version: ver, Service: deps, Logger: logger, CallTimeout: callTimeout})
	logger.Info("vpnlens starting", "version", ver, "source", sourceName(&f.sf))

	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if httpAddr != "" {
		if tokenFrom != "" {
			logger.Info("HTTP clients must send the bearer token", "token_from", tokenFrom)
		}
		httpOpts.Logger = logger
		if httpOpts.OAuth != nil {
			httpOpts.OAuth.Logger = logger
		}
		err = server.ServeHTTP(ctx, s, httpAddr, httpOpts)
	} else {
		err = server.ServeStdio(ctx, s, os.Stdin, os.Stdout, logger)
	}
	if err != nil {
		logger.Error("server stopped", "err", err)
		return &exitError{code: exitFail} // logged above
	}
	return nil
}

// splitList splits flag values given as "a,b", "a b" or repeated flags
// into one list, dropping empty items.
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		out = append(out, strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })...)
	}
	return out
}

// byteSize is a pflag value for --max-body: plain bytes or a KiB/MiB size.
type byteSize int64

func (b *byteSize) String() string {
	switch n := int64(*b); {
	case n > 0 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	case n > 0 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KiB"
	default:
		return strconv.FormatInt(n, 10)
	}
}

func (b *byteSize) Set(v string) error {
	n, err := parseBytes(v)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

func (b *byteSize) Type() string { return "bytes" }

// parseBytes reads a size: plain bytes or with a KiB/MiB (or K/M, KB/MB,
// all powers of 1024) suffix.
func parseBytes(v string) (int64, error) {
	s := strings.TrimSpace(v)
	mult := int64(1)
	lower := strings.ToLower(s)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"kb", 1 << 10}, {"mb", 1 << 20}, {"k", 1 << 10}, {"m", 1 << 20}, {"b", 1}} {
		if strings.HasSuffix(lower, u.suffix) {
			s, mult = strings.TrimSpace(s[:len(s)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("%q: want a positive size such as 1048576, 512KiB or 4MiB", v)
	}
	return n * mult, nil
}

// completeLogLevel offers the --log-level values.
func completeLogLevel(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return []string{"debug", "info", "warn", "error"}, cobra.ShellCompDirectiveNoFileComp
}
