package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/lmittmann/tint"
	"github.com/spf13/pflag"

	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
	"github.com/vpnlens/vpnlens/source/s3logs"
)

// sourceFlags choose where facts come from. serve, diagnose, timeline and
// watch share them; each declares only the ones it supports (addFlags).
type sourceFlags struct {
	demo       bool
	logsDir    string
	logsS3     string
	region     string
	profiles   []string
	roleARNs   []string
	externalID string
	logGroup   string
	// oneShot: the command answers one question and exits (diagnose,
	// timeline), so a large logs folder is indexed only as far as the
	// question needs (source.LocalOptions.OnDemand).
	oneShot bool
}

// demoHelp describes the embedded demo data (a test keeps it true).
const demoHelp = "the embedded demo data: one day (2026-06-12) of three VPN connections, one of them with logging off"

// addFlags declares the named source flags ("demo", "logs-dir", "logs-s3",
// "region", "profile" (with --role-arn and --external-id), "log-group") on
// fs, and only those.
func (sf *sourceFlags) addFlags(fs *pflag.FlagSet, names ...string) {
	for _, name := range names {
		switch name {
		case "demo":
			fs.BoolVar(&sf.demo, "demo", false, "use "+demoHelp)
		case "logs-dir":
			fs.StringVar(&sf.logsDir, "logs-dir", "", "read exported VPN logs from `DIR`")
		case "logs-s3":
			fs.StringVar(&sf.logsS3, "logs-s3", "", "read exported VPN logs from S3 under `s3://BUCKET/PREFIX` (CloudWatch export task or log delivery; --region, --profile apply)")
		case "region":
			fs.StringVar(&sf.region, "region", "", "AWS `regions` to read: one, a comma-separated list, or all (every region the account has enabled); default AWS_REGION or the profile's")
		case "profile":
			fs.StringSliceVar(&sf.profiles, "profile", nil, "AWS shared-config `profile`; repeat or comma-separate to read several accounts")
			fs.StringSliceVar(&sf.roleARNs, "role-arn", nil, "IAM `role ARN` to assume and read (one per account; repeat or comma-separate), with the credentials of the first --profile or the default chain")
			fs.StringVar(&sf.externalID, "external-id", "", "external `id` the roles' trust policies require (--role-arn)")
		case "log-group":
			fs.StringVar(&sf.logGroup, "log-group", "", "CloudWatch log group holding the VPN logs (AWS source; default: each tunnel's own)")
		default:
			panic("sourceFlags.addFlags: unknown flag " + name)
		}
	}
}

// demoUnlessNamed falls back to the embedded demo when no source is named
// and no AWS configuration is in sight: the terminal questions show the
// demo rather than fail. It says so on stderr.
func (sf *sourceFlags) demoUnlessNamed(stderr io.Writer) {
	if sf.demo || sf.logsDir != "" || sf.logsS3 != "" || sf.region != "" || len(sf.profiles) > 0 || len(sf.roleARNs) > 0 ||
		os.Getenv("AWS_REGION") != "" || os.Getenv("AWS_PROFILE") != "" || os.Getenv("AWS_DEFAULT_REGION") != "" {
		return
	}
	fmt.Fprintln(stderr, "vpnlens: no --logs-dir, --logs-s3, --demo or AWS region given: using the embedded demo data (--demo)")
	sf.demo = true
}

// open builds the tool dependencies for the chosen source. A mistake in
// the flags is a badArgs error (exit code 2).
func (sf *sourceFlags) open(logger *slog.Logger) (*investigate.Service, error) {
	var named []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"--demo", sf.demo}, {"--logs-dir", sf.logsDir != ""}, {"--logs-s3", sf.logsS3 != ""}} {
		if f.set {
			named = append(named, f.name)
		}
	}
	if len(named) > 1 {
		return nil, badArgs(fmt.Errorf("%s exclude each other: pick one", strings.Join(named, " and ")))
	}
	if sf.logsS3 != "" && sf.logGroup != "" {
		return nil, badArgs(errors.New("--log-group names a CloudWatch log group: it goes with the AWS source, not with --logs-s3"))
	}
	var local *source.Local
	switch {
	case sf.logsS3 != "":
		// Exported logs in S3, read-only; --region and --profile choose
		// the credentials and the region to start from.
		src, err := s3logs.Open(context.Background(), s3logs.Config{URL: sf.logsS3, Region: sf.region, Profile: sf.firstProfile(), Logger: logger,
			Local: source.LocalOptions{OnDemand: sf.oneShot}})
		var se *source.Error
		if errors.As(err, &se) && (se.Cause == "BadURL" || se.Cause == "Config") {
			return nil, badArgs(err)
		}
		if err != nil {
			return nil, err
		}
		return &investigate.Service{Inventory: src, Logs: src, Now: time.Now, Limits: investigate.DefaultLimits, Logger: logger}, nil
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
		local, err = source.OpenDirWith(sf.logsDir, logger, source.LocalOptions{OnDemand: sf.oneShot})
		if err != nil {
			return nil, err
		}
	default:
		// The AWS source: EC2 inventory and CloudWatch Logs, read-only, in
		// every account and region named.
		est, err := sf.openAWS(context.Background(), logger)
		if err != nil {
			return nil, err
		}
		return &investigate.Service{Inventory: est, Logs: est, Now: time.Now, Limits: investigate.DefaultLimits, Logger: logger}, nil
	}
	return &investigate.Service{
		Inventory: local,
		Logs:      local,
		Now:       time.Now,
		Limits:    investigate.DefaultLimits,
		Logger:    logger,
	}, nil
}

// estateConfig turns the AWS flags into the accounts and regions to read.
// A mistake in them is a badArgs error.
func (sf *sourceFlags) estateConfig(logger *slog.Logger) (awssource.EstateConfig, error) {
	cfg := awssource.EstateConfig{Member: awssource.Config{LogGroup: sf.logGroup, Logger: logger}}
	region := strings.TrimSpace(sf.region)
	switch {
	case strings.EqualFold(region, "all"):
		cfg.AllRegions = true
	case region != "":
		var bad []string
		for _, r := range strings.Split(region, ",") {
			r = strings.TrimSpace(r)
			switch {
			case r == "":
			case strings.EqualFold(r, "all"):
				return cfg, badArgsf("--region all reads every enabled region: give it alone, not in a list")
			case !awssource.ValidRegion(r):
				bad = append(bad, fmt.Sprintf("%q", r))
			case !slices.Contains(cfg.Regions, r):
				cfg.Regions = append(cfg.Regions, r)
			}
		}
		if len(bad) > 0 {
			return cfg, badArgsf("--region: %s is not an AWS region name: pass regions like eu-central-1,us-east-1 or all", strings.Join(bad, ", "))
		}
	}
	if sf.externalID != "" && len(sf.roleARNs) == 0 {
		return cfg, badArgsf("--external-id goes with --role-arn")
	}
	var profiles, roles []string
	for _, p := range sf.profiles {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(profiles, p) {
			profiles = append(profiles, p)
		}
	}
	for _, r := range sf.roleARNs {
		if r = strings.TrimSpace(r); r != "" && !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	for _, p := range profiles {
		cfg.Accounts = append(cfg.Accounts, awssource.AccountConfig{Profile: p})
	}
	base := ""
	if len(profiles) > 0 {
		base = profiles[0] // roles are assumed with the first profile's credentials
	}
	for _, r := range roles {
		cfg.Accounts = append(cfg.Accounts, awssource.AccountConfig{Profile: base, RoleARN: r, ExternalID: sf.externalID})
	}
	return cfg, nil
}

// firstProfile is the first --profile ("" for the default chain).
func (sf *sourceFlags) firstProfile() string {
	for _, p := range sf.profiles {
		if p = strings.TrimSpace(p); p != "" {
			return p
		}
	}
	return ""
}

// openAWS builds the AWS estate the flags name.
func (sf *sourceFlags) openAWS(ctx context.Context, logger *slog.Logger) (*awssource.Estate, error) {
	cfg, err := sf.estateConfig(logger)
	if err != nil {
		return nil, err
	}
	est, err := awssource.NewEstate(ctx, cfg)
	if isAWSConfigError(err) {
		return nil, badArgs(err) // fixed by --region / --profile / --role-arn
	}
	return est, err
}

// isAWSConfigError tells an AWS set-up the flags can fix (no region, a bad
// profile) from a failure.
func isAWSConfigError(err error) bool {
	var se *source.Error
	return errors.As(err, &se) && (se.Cause == "NoRegion" || se.Cause == "Config")
}

func sourceName(sf *sourceFlags) string {
	switch {
	case sf.demo:
		return "demo"
	case sf.logsDir != "":
		return "logs-dir " + sf.logsDir
	case sf.logsS3 != "":
		return "logs-s3 " + sf.logsS3
	}
	return "aws"
}

// newLogger logs to stderr with tint, without colour when stderr is not a
// terminal (Claude Desktop and CI capture it to a file).
func newLogger(w *os.File, level string) (*slog.Logger, error) {
	lv, err := parseLogLevel(level)
	if err != nil {
		return nil, err
	}
	return slog.New(tint.NewTextHandler(w, &tint.Options{
		Level:      lv,
		TimeFormat: time.Kitchen,
		NoColor:    !isTerminal(w),
	})), nil
}

// parseLogLevel reads --log-level.
func parseLogLevel(level string) (slog.Level, error) {
	switch strings.ToLower(level) {
	case "debug":
		return slog.LevelDebug, nil
	case "", "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
