// Command vpnlens answers "why did tunnel 2 of vpn-0abc drop at 20:25?" from
// AWS Site-to-Site VPN logs, as an MCP server (vpnlens serve) and on the
// command line.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // IANA zones for the `timezone` argument even in a scratch container

	"github.com/lmittmann/tint"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/server"
	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
)

// version is set at link time (-ldflags "-X main.version=v1.2.3"); when
// empty, the module version from build info is used.
var version = ""

// cliCommands holds the subcommands beyond serve/version/help (diagnose,
// timeline, classify). They are registered from init functions in other
// files of this package, so main.go builds without them.
var cliCommands = map[string]func(args []string) int{}

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and failed
	exitUsage = 2 // bad flags or arguments, or an unavailable mode
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "serve":
		return runServe(rest, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "vpnlens %s\n", versionString())
		return exitOK
	case "help", "-h", "--help", "-help":
		usage(stdout)
		return exitOK
	}
	if cmd, ok := cliCommands[name]; ok {
		return cmd(rest)
	}
	fmt.Fprintf(stderr, "vpnlens: unknown command %q\n\n", name)
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `vpnlens diagnoses AWS Site-to-Site VPN tunnel drops from their IKE and BGP logs.

Usage:
  vpnlens serve [flags]        run the MCP server (stdio by default)
  vpnlens version              print the version
  vpnlens help                 print this help
`)
	names := make([]string, 0, len(cliCommands))
	for n := range cliCommands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  vpnlens %-20s (run 'vpnlens %s -h' for its flags)\n", n+" [flags]", n)
	}
	fmt.Fprint(w, `
Serve flags:
  --http ADDR          serve streamable HTTP at http://ADDR/mcp instead of stdio
                       (e.g. --http 127.0.0.1:8080; a bare port means 127.0.0.1)
  --token-file PATH    bearer token clients must send (or env VPNLENS_TOKEN);
                       required to listen on anything but loopback
  --allow-origin URL   browser origin allowed besides localhost (repeatable)
  --tls-cert, --tls-key  serve HTTPS with this certificate and key (PEM)
  --max-body BYTES     largest request body (default 1MiB)
  --max-sessions N     most concurrent MCP sessions (default 100)
  --call-timeout D     longest tool call or resource read, e.g. 60s (default 60s; 0: none)
  --demo               serve the embedded demo data: one day (2026-06-12) of three
                       VPN connections, one of them with logging off
  --logs-dir DIR       serve exported VPN logs from DIR
  --region, --profile  AWS region and profile (AWS source)
  --log-group NAME     CloudWatch log group (AWS source)
  --log-level LEVEL    debug, info, warn or error (default info); logs go to stderr

Examples:
  vpnlens serve --demo
  vpnlens serve --logs-dir ./exported-logs --http 127.0.0.1:8080
`)
}

// buildVersion is the link-time version, else the module version, plus the
// VCS revision recorded in build info when there is one
// ("v1.2.0", "(devel)+0123456789ab-dirty").
func buildVersion() string {
	v := version
	info, ok := debug.ReadBuildInfo()
	if !ok {
		if v == "" {
			return "(unknown)"
		}
		return v
	}
	if v == "" {
		v = info.Main.Version
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev != "" && !strings.Contains(v, rev[:min(12, len(rev))]) {
		v += "+" + rev[:min(12, len(rev))] + dirty
	}
	return v
}

// versionString is what `vpnlens version` prints: the build version, the
// commit time and the Go toolchain.
func versionString() string {
	v := buildVersion()
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.time" {
			v += " " + s.Value
		}
	}
	return v + " " + info.GoVersion
}

// sourceFlags choose where facts come from. serve and the CLI commands
// share them.
type sourceFlags struct {
	demo     bool
	logsDir  string
	region   string
	profile  string
	logGroup string
}

func (sf *sourceFlags) register(fset *flag.FlagSet) {
	fset.BoolVar(&sf.demo, "demo", false, "use the embedded demo data")
	fset.StringVar(&sf.logsDir, "logs-dir", "", "directory of exported VPN logs")
	fset.StringVar(&sf.region, "region", "", "AWS region (AWS source)")
	fset.StringVar(&sf.profile, "profile", "", "AWS shared-config profile (AWS source)")
	fset.StringVar(&sf.logGroup, "log-group", "", "CloudWatch log group holding the VPN logs (AWS source)")
}

// usageError is a mistake in the command line (exit code 2), as opposed to
// a failure while running (exit code 1).
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func isUsageError(err error) bool {
	var ue usageError
	return errors.As(err, &ue)
}

// open builds the tool dependencies for the chosen source.
func (sf *sourceFlags) open(logger *slog.Logger) (*investigate.Service, error) {
	if sf.demo && sf.logsDir != "" {
		return nil, usageError{errors.New("--demo and --logs-dir exclude each other: pick one")}
	}
	var local *source.Local
	switch {
	case sf.demo:
		sub, err := fs.Sub(demoFS, demoDir)
		if err != nil {
			return nil, fmt.Errorf("embedded demo data: %w", err)
		}
		// expected.json holds the demo's labelled answers, not logs.
		local, err = source.OpenFS(source.HideFiles(sub, "expected.json"), "demo", logger)
		if err != nil {
			return nil, fmt.Errorf("embedded demo data: %w", err)
		}
	case sf.logsDir != "":
		var err error
		local, err = source.OpenDir(sf.logsDir, logger)
		if err != nil {
			return nil, err
		}
	default:
		// The AWS source: EC2 inventory and CloudWatch Logs, read-only.
		src, err := awssource.New(context.Background(), awssource.Config{
			Region: sf.region, Profile: sf.profile, LogGroup: sf.logGroup, Logger: logger,
		})
		var se *source.Error
		if errors.As(err, &se) && (se.Cause == "NoRegion" || se.Cause == "Config") {
			return nil, usageError{err} // fixed by --region / --profile
		}
		if err != nil {
			return nil, err
		}
		return &investigate.Service{Inventory: src, Logs: src, Now: time.Now, Limits: investigate.DefaultLimits, Logger: logger}, nil
	}
	return &investigate.Service{
		Inventory: local,
		Logs:      local,
		Now:       time.Now,
		Limits:    investigate.DefaultLimits,
		Logger:    logger,
	}, nil
}

// newLogger logs to stderr with tint, without colour when stderr is not a
// terminal (Claude Desktop and CI capture it to a file).
func newLogger(w *os.File, level string) (*slog.Logger, error) {
	var lv slog.Level
	switch strings.ToLower(level) {
	case "debug":
		lv = slog.LevelDebug
	case "", "info":
		lv = slog.LevelInfo
	case "warn", "warning":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	default:
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(tint.NewTextHandler(w, &tint.Options{
		Level:      lv,
		TimeFormat: time.Kitchen,
		NoColor:    !isTerminal(w),
	})), nil
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func runServe(args []string, stderr io.Writer) int {
	fset := flag.NewFlagSet("vpnlens serve", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var (
		sf          sourceFlags
		httpAddr    string
		logLevel    string
		tokenFile   string
		httpOpts    server.HTTPOptions
		callTimeout time.Duration
	)
	sf.register(fset)
	fset.StringVar(&httpAddr, "http", "", "serve streamable HTTP on `ADDR` (e.g. 127.0.0.1:8080; a bare port means 127.0.0.1) at /mcp instead of stdio")
	fset.StringVar(&logLevel, "log-level", "info", "log `level`: debug, info, warn or error (logs go to stderr)")
	fset.StringVar(&tokenFile, "token-file", "", "file holding the bearer `token` HTTP clients must send (else env VPNLENS_TOKEN); required off loopback")
	fset.Func("allow-origin", "browser `origin` allowed to call /mcp besides localhost (repeatable or comma-separated)", func(v string) error {
		httpOpts.AllowOrigins = append(httpOpts.AllowOrigins, v)
		return nil
	})
	fset.StringVar(&httpOpts.TLSCertFile, "tls-cert", "", "TLS certificate `file` (PEM); serve HTTPS (needs --tls-key)")
	fset.StringVar(&httpOpts.TLSKeyFile, "tls-key", "", "TLS private key `file` (PEM)")
	httpOpts.MaxBodyBytes = server.DefaultMaxBodyBytes
	fset.Func("max-body", "largest HTTP request body in `bytes` (suffixes KiB, MiB; default 1MiB)", func(v string) error {
		n, err := parseBytes(v)
		httpOpts.MaxBodyBytes = n
		return err
	})
	fset.IntVar(&httpOpts.MaxSessions, "max-sessions", server.DefaultMaxSessions, "most concurrent MCP sessions over HTTP; new ones beyond get 503")
	fset.DurationVar(&callTimeout, "call-timeout", server.DefaultCallTimeout, "longest a tool call or resource read may run (`duration`, 0: no limit)")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fset.NArg() > 0 {
		fmt.Fprintf(stderr, "vpnlens serve: unexpected arguments %q\n", fset.Args())
		return exitUsage
	}
	if httpAddr == "" {
		var httpOnly []string
		fset.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "token-file", "allow-origin", "tls-cert", "tls-key", "max-body", "max-sessions":
				httpOnly = append(httpOnly, "--"+f.Name)
			}
		})
		if len(httpOnly) > 0 {
			fmt.Fprintf(stderr, "vpnlens serve: %s only apply with --http\n", strings.Join(httpOnly, ", "))
			return exitUsage
		}
	}
	if httpOpts.MaxSessions < 1 {
		fmt.Fprintln(stderr, "vpnlens serve: --max-sessions must be at least 1")
		return exitUsage
	}
	if callTimeout < 0 {
		fmt.Fprintln(stderr, "vpnlens serve: --call-timeout must not be negative (0 means no limit)")
		return exitUsage
	}
	if callTimeout == 0 {
		callTimeout = -1 // server.Config: negative is no limit
	}
	var tokenFrom string
	if httpAddr != "" {
		// Refuse a bad HTTP setup before reading any logs: an exposed
		// listener without a token, half a TLS pair, a bad origin.
		var err error
		httpOpts.Token, tokenFrom, err = server.LoadToken(tokenFile, os.Getenv("VPNLENS_TOKEN"))
		if err == nil {
			httpAddr, err = httpOpts.Check(httpAddr)
		}
		if err != nil {
			fmt.Fprintln(stderr, "vpnlens serve:", err)
			return exitUsage
		}
	}
	// Logs always go to the process's stderr: in stdio mode stdout belongs
	// to MCP alone.
	logger, err := newLogger(os.Stderr, logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "vpnlens serve:", err)
		return exitUsage
	}
	slog.SetDefault(logger)

	deps, err := sf.open(logger)
	if err != nil {
		fmt.Fprintln(stderr, "vpnlens serve:", err)
		if isUsageError(err) {
			return exitUsage
		}
		return exitFail
	}
	ver := buildVersion()
	s := server.New(server.Config{Version: ver, Service: deps, Logger: logger, CallTimeout: callTimeout})
	logger.Info("vpnlens starting", "version", ver, "source", sourceName(&sf))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if httpAddr != "" {
		if tokenFrom != "" {
			logger.Info("HTTP clients must send the bearer token", "token_from", tokenFrom)
		}
		httpOpts.Logger = logger
		err = server.ServeHTTP(ctx, s, httpAddr, httpOpts)
	} else {
		err = server.ServeStdio(ctx, s, os.Stdin, os.Stdout, logger)
	}
	if err != nil {
		logger.Error("server stopped", "err", err)
		return exitFail
	}
	return exitOK
}

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

func sourceName(sf *sourceFlags) string {
	switch {
	case sf.demo:
		return "demo"
	case sf.logsDir != "":
		return "logs-dir " + sf.logsDir
	}
	return "aws"
}
