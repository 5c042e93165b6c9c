package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/investigate"
	"github.com/vpnlens/vpnlens/source"
	awssource "github.com/vpnlens/vpnlens/source/aws"
	"github.com/vpnlens/vpnlens/watch"
)

// Environment variables holding delivery secrets (a secret on the command
// line shows in ps and shell history).
const (
	envWebhookSecret = "VPNLENS_WEBHOOK_SECRET"
	envSlackURL      = "VPNLENS_SLACK_WEBHOOK_URL"
)

type watchFlags struct {
	sf          sourceFlags
	follow      bool
	vpns        []string // as given: repeated, each possibly comma-separated
	interval    time.Duration
	settle      time.Duration
	lookback    time.Duration
	ingestDelay time.Duration
	statePath   string
	noState     bool
	stdout      bool
	webhookURL  string
	webhookKey  string
	slackURL    string
	slackFile   string
	snsTopic    string
	snsRegion   string
	timezone    string
	logLevel    string
}

func newWatchCommand() *cobra.Command {
	var wf watchFlags
	cmd := &cobra.Command{
		Use:   "watch [flags]",
		Short: "Follow VPN logs and report each incident as it happens (JSON lines, webhook, Slack, SNS)",
		Long: `Follow VPN connections' logs and report each incident once, as it happens
(then again when it recovers, escalates or its root cause changes): JSON lines
on stdout, and optionally a signed webhook, Slack, Amazon SNS. Sources: AWS
(every connection in the region, or --vpn) or a directory a log shipper
writes to (--logs-dir DIR --follow). There is no --demo: the demo is a
finished day of logs, with nothing left to watch.

A small state file (--state) keeps what was read and reported, so a restart
repeats nothing and loses nothing. Secrets come from files or the
environment (` + envWebhookSecret + `, ` + envSlackURL + `), never from
the command line.`,
		Example: `  vpnlens watch --region eu-central-1                  # every connection in the region
  vpnlens watch --vpn vpn-0abc --webhook-url https://ops.example/hook --webhook-secret-file /run/secrets/hook
  vpnlens watch --logs-dir ./logs --follow             # a directory a shipper writes to`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runWatch(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), &wf)
		},
	}
	fs := cmd.Flags()
	wf.sf.addFlags(fs, "logs-dir", "region", "profile", "log-group")
	fs.BoolVar(&wf.follow, "follow", false, "with --logs-dir: follow the directory as files grow, rotate and appear")
	fs.StringArrayVar(&wf.vpns, "vpn", nil, "VPN connection `ID` or Name tag to watch (repeatable or comma-separated; default: every connection)")
	fs.DurationVar(&wf.interval, "interval", watch.DefaultInterval, "time between polls")
	fs.DurationVar(&wf.settle, "settle", watch.DefaultSettle, "how long an incident is watched before its first report, so the BGP and IKE records of one event are all in (0: none)")
	fs.DurationVar(&wf.lookback, "lookback", watch.DefaultLookback, "how far back from now a first run reads: incidents still under way there are reported; finished ones, and with --logs-dir anything older (an export), are not")
	fs.DurationVar(&wf.ingestDelay, "ingest-delay", 2*time.Minute, "AWS: how far back each poll re-reads, for records CloudWatch ingests late")
	fs.StringVar(&wf.statePath, "state", "", "state `file` (last record per stream, incidents reported, undelivered reports); default under $XDG_STATE_HOME/vpnlens")
	fs.BoolVar(&wf.noState, "no-state", false, "keep no state file: a restart reports what is under way again")
	fs.BoolVar(&wf.stdout, "stdout", true, "print each report as a JSON line on stdout (--stdout=false: don't)")
	fs.StringVar(&wf.webhookURL, "webhook-url", "", "POST each report as JSON to this `URL`, signed with HMAC-SHA256")
	fs.StringVar(&wf.webhookKey, "webhook-secret-file", "", "`file` holding the webhook signing secret (else env "+envWebhookSecret+")")
	fs.StringVar(&wf.slackURL, "slack-webhook-url", "", "Slack incoming-webhook `URL` (it is a secret: prefer --slack-webhook-url-file or env "+envSlackURL+")")
	fs.StringVar(&wf.slackFile, "slack-webhook-url-file", "", "`file` holding the Slack incoming-webhook URL")
	fs.StringVar(&wf.snsTopic, "sns-topic-arn", "", "publish each report to this Amazon SNS topic `ARN`")
	fs.StringVar(&wf.snsRegion, "sns-region", "", "`region` of the SNS topic (default: the one in its ARN)")
	fs.StringVar(&wf.timezone, "timezone", "", "time zone for local times in reports: an IANA `ZONE` such as Europe/Berlin (default UTC)")
	fs.StringVar(&wf.logLevel, "log-level", "info", "log `level` on stderr: debug, info, warn or error")
	_ = cmd.RegisterFlagCompletionFunc("log-level", completeLogLevel)
	return cmd
}

func runWatch(ctx context.Context, stdout, stderr io.Writer, wf *watchFlags) error {
	switch {
	case wf.sf.logsDir != "" && !wf.follow:
		return badArgsf("--logs-dir needs --follow: watch reads the directory as it grows (to diagnose a finished export, use `vpnlens diagnose --logs-dir`)")
	case wf.follow && wf.sf.logsDir == "":
		return badArgsf("--follow goes with --logs-dir DIR")
	case wf.interval < time.Second:
		return badArgsf("--interval must be at least 1s")
	case wf.settle < 0 || wf.lookback <= 0 || wf.ingestDelay < 0:
		return badArgsf("--settle and --ingest-delay must not be negative, --lookback must be positive")
	case wf.noState && wf.statePath != "":
		return badArgsf("--state and --no-state exclude each other")
	case wf.slackURL != "" && wf.slackFile != "":
		return badArgsf("--slack-webhook-url and --slack-webhook-url-file exclude each other")
	}
	level, err := parseLogLevel(wf.logLevel)
	if err != nil {
		return badArgs(err)
	}
	logger, err := newLogger(os.Stderr, wf.logLevel)
	if err != nil {
		return badArgs(err)
	}
	if w, ok := stderr.(*os.File); !ok || w != os.Stderr {
		logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	}
	slog.SetDefault(logger)
	loc, err := correlate.LoadZone(wf.timezone)
	if err != nil {
		return badArgsf("--timezone: %v", err)
	}
	var vpns []string
	for _, v := range wf.vpns {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				vpns = append(vpns, p)
			}
		}
	}

	var feed source.Feed
	var causes investigate.AWSCauses
	if wf.sf.logsDir != "" {
		lf, err := source.NewLocalFeed(wf.sf.logsDir, logger)
		if err != nil {
			return fail(err)
		}
		feed = lf
		// A reported drop names a change (the folder's
		// cloudtrail-events.json) or maintenance (tunnel-maintenance.json)
		// as the AWS source does; the files are read again at each look.
		sf := source.NewFolderSideFiles(wf.sf.logsDir)
		causes = investigate.AWSCauses{Changes: sf, Maintenance: sf}
	} else {
		est, err := wf.sf.openAWS(ctx, logger)
		if err != nil {
			return fail(err)
		}
		// Each account and region is polled through its own source's
		// CloudWatch Logs client: one set of credentials, retries and
		// request-rate limits per account and region.
		af, err := est.WatchFeed(ctx, awssource.FeedConfig{IngestDelay: max(wf.ingestDelay, time.Millisecond), Logger: logger})
		if err != nil {
			return badArgs(err)
		}
		feed = af
		// A reported drop names a change made to the connection just
		// before it (CloudTrail) or AWS's maintenance of the tunnel.
		causes = investigate.AWSCauses{Changes: est, Maintenance: est}
	}

	sinks, err := wf.sinks(ctx, stdout, logger)
	if err != nil {
		return badArgs(err)
	}
	if len(sinks) == 0 {
		return badArgsf("no delivery: --stdout=false and no --webhook-url, Slack webhook or --sns-topic-arn")
	}
	statePath := ""
	if !wf.noState {
		statePath = wf.statePath
		if statePath == "" {
			statePath = defaultStatePath(feed.Describe())
		}
	}
	settle := wf.settle
	if settle == 0 {
		settle = -1 // the engine's zero means its default
	}
	e, err := watch.New(watch.Config{Feed: feed, VPNs: vpns, Interval: wf.interval, Settle: settle, Lookback: wf.lookback,
		StatePath: statePath, Sinks: sinks, Logger: logger, Location: loc, AWSCauses: causes})
	if err != nil {
		return fail(err)
	}
	names := make([]string, 0, len(sinks))
	for _, s := range sinks {
		names = append(names, s.Name())
	}
	logger.Info("vpnlens watch starting", "version", buildVersion(), "source", feed.Describe(), "interval", wf.interval, "settle", wf.settle,
		"state", stateDesc(statePath), "deliveries", strings.Join(names, ","))
	if err := e.Run(ctx); err != nil {
		return fail(err)
	}
	return nil
}

func (wf *watchFlags) sinks(ctx context.Context, stdout io.Writer, logger *slog.Logger) ([]watch.Sink, error) {
	var sinks []watch.Sink
	if wf.stdout {
		sinks = append(sinks, watch.NewStdoutSink(stdout))
	}
	warn := func(msg string) { logger.Warn(msg) }
	if wf.webhookURL != "" {
		secret, from, err := watch.LoadSecret(wf.webhookKey, envWebhookSecret, warn)
		if err != nil {
			return nil, err
		}
		if secret == nil {
			return nil, fmt.Errorf("--webhook-url needs a signing secret: --webhook-secret-file FILE or env %s", envWebhookSecret)
		}
		s, err := watch.NewWebhookSink(wf.webhookURL, secret, nil, nil, buildVersion())
		if err != nil {
			return nil, err
		}
		logger.Info("webhook reports are signed", "secret_from", from)
		sinks = append(sinks, s)
	} else if wf.webhookKey != "" {
		return nil, errors.New("--webhook-secret-file goes with --webhook-url")
	}
	slackURL := wf.slackURL
	if wf.slackFile != "" {
		b, _, err := watch.LoadSecret(wf.slackFile, "", warn)
		if err != nil {
			return nil, err
		}
		slackURL = strings.TrimSpace(string(b))
	} else if slackURL == "" {
		slackURL = os.Getenv(envSlackURL)
	}
	if slackURL != "" {
		s, err := watch.NewSlackSink(slackURL, nil)
		if err != nil {
			return nil, err
		}
		sinks = append(sinks, s)
	}
	if wf.snsTopic != "" {
		s, err := watch.NewSNSSink(ctx, watch.SNSSinkConfig{TopicARN: wf.snsTopic, Region: wf.snsRegion, Profile: wf.sf.firstProfile()})
		if err != nil {
			return nil, err
		}
		sinks = append(sinks, s)
	}
	return sinks, nil
}

// defaultStatePath is one state file per watched source, under the XDG
// state directory.
func defaultStatePath(src string) string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, ".local", "state")
		} else {
			dir = os.TempDir()
		}
	}
	sum := sha256.Sum256([]byte(src))
	slug := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, strings.ToLower(src))
	if len(slug) > 40 {
		slug = slug[:40]
	}
	return filepath.Join(dir, "vpnlens", "watch-"+strings.Trim(slug, "-")+"-"+hex.EncodeToString(sum[:4])+".json")
}

func stateDesc(p string) string {
	if p == "" {
		return "none (in memory)"
	}
	return p
}
