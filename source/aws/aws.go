// Package aws is vpnlens's AWS source: the VPN inventory from EC2
// (DescribeVpnConnections) and the tunnel logs from CloudWatch Logs
// (DescribeLogStreams, FilterLogEvents, Logs Insights), read-only, with a
// cache so that a follow-up question on the same incident costs no API
// calls. Every failure a user can act on comes back as a *source.Error whose
// message names the cause and the fix.
package aws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"

	"github.com/vpnlens/vpnlens/source"
)

// Config chooses the account, region and behaviour of the AWS source. The
// zero value (plus a region from the environment or the profile) is what
// `vpnlens serve` uses.
type Config struct {
	Region  string // --region; else AWS_REGION / the profile's region
	Profile string // --profile; else AWS_PROFILE / default
	// AccountID is the account the credentials are for, carried by every
	// connection (an Estate sets it; "" when not known).
	AccountID string
	// LogGroup overrides the log groups named in the tunnels' log options
	// (--log-group), for set-ups that deliver VPN logs elsewhere. With it,
	// streams are looked for there even on tunnels whose options say
	// logging is off.
	LogGroup string

	// Endpoint, when set, is the base URL of both services (tests). The
	// AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_EC2 and
	// AWS_ENDPOINT_URL_CLOUDWATCH_LOGS variables are honoured without it.
	Endpoint    string
	Credentials sdkaws.CredentialsProvider // nil = the standard chain
	HTTPClient  *http.Client

	// Retries: adaptive mode (client-side rate that backs off on
	// throttling) with MaxAttempts attempts per call (default 6) and
	// backoff up to MaxBackoff (default 20 s).
	MaxAttempts int
	MaxBackoff  time.Duration
	// NoRetryQuota disables the SDK's retry quota (a circuit breaker that
	// stops retrying after many failures); tests of throttling storms use it.
	NoRetryQuota bool

	// RateLimits caps requests per second per operation on this client,
	// below AWS's account-wide quotas so that vpnlens leaves room for other
	// tools. Missing operations take DefaultRateLimits.
	RateLimits map[string]float64
	// Concurrency bounds concurrent stream fetches (default 8);
	// QueryConcurrency concurrent Logs Insights queries (default 10 of the
	// account's 100, which dashboards share).
	Concurrency      int
	QueryConcurrency int

	// InsightsWindow: windows longer than this are read through Logs
	// Insights instead of FilterLogEvents (default 24 h). InsightsFleet:
	// AnomalyCounts for more connections than this uses Insights even for
	// short windows (default 2).
	InsightsWindow time.Duration
	InsightsFleet  int
	// MaxQueryRows is the row cap of one Insights query (default 10,000,
	// AWS's); a query that fills it is split.
	MaxQueryRows int
	// PollInitial and PollMax bound the GetQueryResults backoff (defaults
	// 250 ms and 5 s; the wait grows by half each time).
	PollInitial, PollMax time.Duration
	// QueryTimeout is how long one Logs Insights query may stay Scheduled
	// or Running before vpnlens stops it and says so (default 15 min; AWS
	// itself gives up after 60).
	QueryTimeout time.Duration
	// AttemptTimeout bounds one HTTP attempt, response body included, when
	// HTTPClient is nil (default 30 s): an answer that does not come is
	// retried like a 5xx instead of holding the question until the call's
	// own deadline.
	AttemptTimeout time.Duration

	// InventoryTTL and StreamsTTL are how long the connection list and the
	// log-stream listings are reused (default 5 min each). Settle is how
	// far behind "now" records are taken as complete for the cache
	// (CloudWatch ingests with a delay; default 5 min). MaxCachedEvents
	// bounds the cache (default 2,000,000 records; past it the cache is
	// emptied).
	InventoryTTL, StreamsTTL, Settle time.Duration
	MaxCachedEvents                  int

	Now    func() time.Time
	Logger *slog.Logger
}

// DefaultRateLimits are requests per second per operation: FilterLogEvents
// at 5, the smallest regional quota (eu-central-1 and others), the rest
// under theirs (StartQuery and GetQueryResults: 10 per account and region).
var DefaultRateLimits = map[string]float64{
	"FilterLogEvents":               5,
	"GetLogEvents":                  5,
	"DescribeLogStreams":            10,
	"StartQuery":                    8,
	"GetQueryResults":               8,
	"StopQuery":                     5,
	"DescribeVpnConnections":        10,
	"GetMetricData":                 5,
	"GetVpnTunnelReplacementStatus": 5,
	"GetActiveVpnTunnelStatus":      5,
	// LookupEvents: AWS allows 2 per second per account and region.
	"LookupEvents": 1.5,
	// Log deliveries are listed with the inventory: a few calls each
	// InventoryTTL.
	"DescribeDeliverySources":      5,
	"DescribeDeliveries":           5,
	"DescribeDeliveryDestinations": 5,
}

// Source reads VPN connections from EC2 and their logs from CloudWatch
// Logs. It implements source.Inventory and source.LogSource, and adds
// AnomalyCounts for fleet-wide summaries.
type Source struct {
	cfg    Config
	region string
	logs   *cloudwatchlogs.Client
	cw     *cloudwatch.Client // tunnel metrics
	trail  *cloudtrail.Client // changes to the connections
	ec2    *ec2.Client
	logger *slog.Logger
	limits map[string]*Limiter
	calls  *callCounter

	invMu sync.Mutex
	inv   []source.Connection
	invAt time.Time
	// deliv are the connections' log deliveries, listed with the
	// inventory; delivErr why they could not be.
	deliv    map[string][]delivery
	delivErr error

	streamMu sync.Mutex
	streams  map[string]*listing // key: group + "\x00" + vpn id

	kindMu sync.Mutex
	kinds  map[string]kindGuess // stream kinds told by content, by group+name

	cache *cache

	// answers of CloudTrail, maintenance, negotiated-status and metrics
	// lookups, so that a follow-up question on the same incident costs no
	// call (changesCache holds settled windows only; all expire after
	// InventoryTTL).
	sideMu       sync.Mutex
	changesCache map[string]cachedSide
	maintCache   map[string]cachedSide
	activeCache  map[string]cachedSide
	metricsCache map[string]cachedSide
}

// cachedSide is one cached CloudTrail, maintenance, negotiated-status or
// metrics answer.
type cachedSide struct {
	at  time.Time
	val any
}

// New builds the source. It loads the SDK configuration (region, profile,
// credentials chain, endpoints) but makes no call yet: credentials are
// checked by the first question, whose error then says what to do.
func New(ctx context.Context, cfg Config) (*Source, error) {
	cfg = cfg.withDefaults()
	awsCfg, err := LoadConfig(ctx, cfg.configOptions())
	if err != nil {
		return nil, &source.Error{Op: "load AWS configuration", Cause: "Config", Err: err,
			Msg: fmt.Sprintf("cannot load the AWS configuration (profile %q): %v; check --profile / AWS_PROFILE and ~/.aws/config", cfg.Profile, err)}
	}
	if awsCfg.Region == "" {
		return nil, &source.Error{Op: "load AWS configuration", Cause: "NoRegion",
			Msg: "no AWS region: pass --region (the region of your VPN connections, e.g. --region eu-central-1) or set AWS_REGION"}
	}
	s := &Source{cfg: cfg, region: awsCfg.Region, logger: cfg.Logger, limits: map[string]*Limiter{}, calls: &callCounter{n: map[string]int{}},
		streams: map[string]*listing{}, kinds: map[string]kindGuess{}, cache: newCache(cfg.MaxCachedEvents)}
	for op, r := range DefaultRateLimits {
		s.limits[op] = NewLimiter(r)
	}
	for op, r := range cfg.RateLimits {
		s.limits[op] = NewLimiter(r)
	}
	mw := s.middleware()
	s.logs = cloudwatchlogs.NewFromConfig(awsCfg, func(o *cloudwatchlogs.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = sdkaws.String(cfg.Endpoint)
		}
		o.APIOptions = append(o.APIOptions, mw)
	})
	s.cw = cloudwatch.NewFromConfig(awsCfg, func(o *cloudwatch.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = sdkaws.String(cfg.Endpoint)
		}
		o.APIOptions = append(o.APIOptions, mw)
	})
	s.trail = cloudtrail.NewFromConfig(awsCfg, func(o *cloudtrail.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = sdkaws.String(cfg.Endpoint)
		}
		o.APIOptions = append(o.APIOptions, mw)
	})
	s.ec2 = ec2.NewFromConfig(awsCfg, func(o *ec2.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = sdkaws.String(cfg.Endpoint)
		}
		o.APIOptions = append(o.APIOptions, mw)
	})
	return s, nil
}

// withDefaults fills in the settings left zero.
func (cfg Config) withDefaults() Config {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 6
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 20 * time.Second
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.QueryConcurrency <= 0 {
		cfg.QueryConcurrency = 10
	}
	if cfg.InsightsWindow <= 0 {
		cfg.InsightsWindow = 24 * time.Hour
	}
	if cfg.InsightsFleet <= 0 {
		cfg.InsightsFleet = 2
	}
	if cfg.MaxQueryRows <= 0 {
		cfg.MaxQueryRows = 10000
	}
	if cfg.PollInitial <= 0 {
		cfg.PollInitial = 250 * time.Millisecond
	}
	if cfg.PollMax <= 0 {
		cfg.PollMax = 5 * time.Second
	}
	if cfg.QueryTimeout <= 0 {
		cfg.QueryTimeout = 15 * time.Minute
	}
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = 30 * time.Second
	}
	if cfg.InventoryTTL <= 0 {
		cfg.InventoryTTL = 5 * time.Minute
	}
	if cfg.StreamsTTL <= 0 {
		cfg.StreamsTTL = 5 * time.Minute
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 5 * time.Minute
	}
	if cfg.MaxCachedEvents <= 0 {
		cfg.MaxCachedEvents = 2_000_000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}

// configOptions are the SDK configuration options of cfg (defaults
// applied): its region, profile, credentials, transport and retries.
func (cfg *Config) configOptions() ConfigOptions {
	return ConfigOptions{Region: cfg.Region, Profile: cfg.Profile, Credentials: cfg.Credentials,
		HTTPClient: cfg.HTTPClient, AttemptTimeout: cfg.AttemptTimeout,
		Retryer: func() sdkaws.Retryer {
			return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
				o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
					so.MaxAttempts = cfg.MaxAttempts
					so.MaxBackoff = cfg.MaxBackoff
					if cfg.NoRetryQuota {
						so.RateLimiter = ratelimit.None
					}
					// Every call vpnlens makes only reads, so a response
					// cut short or garbled on the way is asked for again.
					so.Retryables = append(so.Retryables, retry.IsErrorRetryableFunc(retryUnreadable))
				})
			})
		}}
}

// Region is the region the source reads.
func (s *Source) Region() string { return s.region }

// AccountID is the account the source reads ("" when not known).
func (s *Source) AccountID() string { return s.cfg.AccountID }

// LogGroup is the --log-group override ("" when the tunnels' own log
// options name the groups).
func (s *Source) LogGroup() string { return s.cfg.LogGroup }

// LogsClient is the source's CloudWatch Logs client, for its live feed (Feed):
// its requests share the source's credentials, endpoint, retries, per-call
// rate limits and call counts, so that watching and answering questions
// draw on one request budget.
func (s *Source) LogsClient() *cloudwatchlogs.Client { return s.logs }

// Calls returns the API requests this source sent, per operation (retries
// included).
func (s *Source) Calls() map[string]int { return s.calls.snapshot() }

// Forget drops the cache, the inventory and the stream listings.
func (s *Source) Forget() {
	s.sideMu.Lock()
	s.changesCache, s.maintCache, s.activeCache, s.metricsCache = nil, nil, nil, nil
	s.sideMu.Unlock()
	s.invMu.Lock()
	s.inv = nil
	s.invMu.Unlock()
	s.streamMu.Lock()
	s.streams = map[string]*listing{}
	s.streamMu.Unlock()
	s.cache.clear()
}

func (s *Source) now() time.Time { return s.cfg.Now() }

// retryUnreadable marks a response that could not be decoded (truncated or
// invalid JSON or XML, a body cut off by the attempt timeout) as worth
// another attempt. StartQuery is the one call that is not a pure read: a
// retried one whose first answer was lost leaves that first query to run
// out on its own in AWS.
func retryUnreadable(err error) sdkaws.Ternary {
	var de *smithy.DeserializationError
	if errors.As(err, &de) {
		return sdkaws.TrueTernary
	}
	return sdkaws.UnknownTernary
}

var (
	_ source.Inventory     = (*Source)(nil)
	_ source.LogSource     = (*Source)(nil)
	_ source.TunnelMetrics = (*Source)(nil)
	_ source.ChangeHistory = (*Source)(nil)
)
