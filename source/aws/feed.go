package aws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go"

	"github.com/vpnlens/vpnlens/correlate"
	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// LogsAPI is the part of the CloudWatch Logs client the AWS feed uses.
type LogsAPI interface {
	FilterLogEvents(ctx context.Context, in *cloudwatchlogs.FilterLogEventsInput, opts ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error)
	DescribeLogStreams(ctx context.Context, in *cloudwatchlogs.DescribeLogStreamsInput, opts ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogStreamsOutput, error)
}

// FeedConfig builds a Feed.
type FeedConfig struct {
	// Inventory lists the VPN connections (the AWS source: EC2
	// DescribeVpnConnections with its cache).
	Inventory source.Inventory
	// Logs is the CloudWatch Logs client: the AWS source's own
	// (Source.LogsClient, with ClientPaced), so that one set of
	// credentials, endpoints, retries and rate limits serves both.
	Logs LogsAPI
	// Region names the region in Describe.
	Region string
	// LogGroup overrides the groups the tunnels' log options name.
	LogGroup string
	// IngestDelay is how far behind its end a poll re-reads, for records
	// CloudWatch ingests late (default 2 min). Records of one stream
	// arrive in order, so a stream is also never read from before its
	// newest record seen.
	IngestDelay time.Duration
	// StreamsTTL is how long a log group's stream list is reused (default
	// 15 min); a missing stream makes it refresh at once.
	StreamsTTL time.Duration
	// Rate caps FilterLogEvents and DescribeLogStreams requests per
	// second (default 5: the smallest regional FilterLogEvents quota,
	// shared with everything else in the account).
	Rate float64
	// ClientPaced says Logs already paces its requests (the AWS source's
	// client: see Source.LogsClient): the feed adds no limit of its own.
	ClientPaced bool
	Logger      *slog.Logger
}

// Feed is the AWS source's live feed (a source.Feed). It polls CloudWatch
// Logs incrementally: every interval, one FilterLogEvents request series
// per log group and mode for up to 100 tunnel streams at a time, from
// where each stream was last read. While a
// connection is healthy the anomaly filter pattern is pushed down, so a
// quiet fleet costs a few requests per poll whatever its size; once
// something opens, the connection's full records are read for the
// incident's window and at every poll until it is over.
type Feed struct {
	cfg   FeedConfig
	logs  LogsAPI
	log   *slog.Logger
	limit *Limiter

	mu      sync.Mutex
	streams map[string]*groupListing // by log group
}

type groupListing struct {
	at      time.Time
	streams []awsStream
}

type awsStream struct {
	group string
	name  string
	id    vpnlog.StreamID
}

// NewFeed builds the feed; it makes no request yet.
func NewFeed(ctx context.Context, cfg FeedConfig) (*Feed, error) {
	if cfg.IngestDelay <= 0 {
		cfg.IngestDelay = 2 * time.Minute
	}
	if cfg.StreamsTTL <= 0 {
		cfg.StreamsTTL = 15 * time.Minute
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 5
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Inventory == nil {
		return nil, errors.New("watch: the AWS feed needs an inventory")
	}
	limit := NewLimiter(cfg.Rate)
	if cfg.ClientPaced {
		limit = NewLimiter(0)
	}
	if cfg.Logs == nil {
		return nil, errors.New("watch: the AWS feed needs a CloudWatch Logs client (the AWS source's LogsClient)")
	}
	f := &Feed{cfg: cfg, logs: cfg.Logs, log: cfg.Logger, limit: limit, streams: map[string]*groupListing{}}
	return f, nil
}

// Feed implements source.Feeder: the source's live feed is a Feed on the
// source's own CloudWatch Logs client (ClientPaced), so that watching and
// answering questions share one set of credentials, endpoint, retries,
// rate limits and call counts. inv lists the connections it watches.
func (s *Source) Feed(ctx context.Context, inv source.Inventory, logger *slog.Logger) (source.Feed, error) {
	f, err := NewFeed(ctx, FeedConfig{Inventory: inv, Logs: s.LogsClient(), ClientPaced: true,
		Region: s.Region(), LogGroup: s.LogGroup(), Logger: logger})
	if err != nil {
		return nil, err
	}
	return f, nil
}

var (
	_ source.Feed   = (*Feed)(nil)
	_ source.Feeder = (*Source)(nil)
)

// Describe implements source.Feed.
func (f *Feed) Describe() string {
	s := "aws " + f.cfg.Region
	if f.cfg.LogGroup != "" {
		s += " log-group " + f.cfg.LogGroup
	}
	return s
}

// Complete implements source.Feed.
func (f *Feed) Complete() bool { return false }

// Connections implements source.Feed.
func (f *Feed) Connections(ctx context.Context) ([]source.Connection, error) {
	return f.cfg.Inventory.Connections(ctx)
}

// groupsOf lists the log groups holding a connection's streams and the
// tunnels' kinds logged there.
func (f *Feed) groupsOf(c *source.Connection) (groups []string, disabled []string) {
	seen := map[string]bool{}
	add := func(g string) {
		if !seen[g] {
			seen[g] = true
			groups = append(groups, g)
		}
	}
	if f.cfg.LogGroup != "" {
		add(GroupName(f.cfg.LogGroup))
		return groups, nil
	}
	for _, t := range c.Tunnels {
		if t.Logging.IKEEnabled && t.Logging.IKELogGroup != "" {
			add(GroupName(t.Logging.IKELogGroup))
		} else {
			disabled = append(disabled, fmt.Sprintf("IKE logging is disabled on tunnel %d (%s) of %s", t.Number, t.OutsideIP, c.ID))
		}
		if t.Logging.BGPEnabled && t.Logging.BGPLogGroup != "" {
			add(GroupName(t.Logging.BGPLogGroup))
		} else if !c.StaticRoutesOnly {
			disabled = append(disabled, fmt.Sprintf("BGP logging is disabled on tunnel %d (%s) of %s", t.Number, t.OutsideIP, c.ID))
		}
	}
	return groups, disabled
}

// listGroup returns the VPN streams of a log group (DescribeLogStreams by
// the prefix "vpn-", reused for StreamsTTL).
func (f *Feed) listGroup(ctx context.Context, group string, now time.Time, calls map[string]int, refresh bool) ([]awsStream, error) {
	f.mu.Lock()
	l := f.streams[group]
	f.mu.Unlock()
	if l != nil && !refresh && now.Sub(l.at) < f.cfg.StreamsTTL {
		return l.streams, nil
	}
	var out []awsStream
	var token *string
	for {
		if err := f.limit.Wait(ctx); err != nil {
			return nil, err
		}
		page, err := f.logs.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: sdkaws.String(group),
			LogStreamNamePrefix: sdkaws.String("vpn-"), NextToken: token})
		calls["DescribeLogStreams"]++
		if err != nil {
			return nil, f.mapError("DescribeLogStreams", group, err)
		}
		for _, s := range page.LogStreams {
			name := sdkaws.ToString(s.LogStreamName)
			id, ok := vpnlog.ParseStreamName(name)
			if !ok || id.TunnelIP == "" {
				continue
			}
			out = append(out, awsStream{group: group, name: name, id: id})
		}
		if page.NextToken == nil || *page.NextToken == "" || (token != nil && *page.NextToken == *token) {
			break
		}
		token = page.NextToken
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	f.mu.Lock()
	f.streams[group] = &groupListing{at: now, streams: out}
	f.mu.Unlock()
	return out, nil
}

// streamsOf lists a connection's tunnel streams.
func (f *Feed) streamsOf(ctx context.Context, c *source.Connection, now time.Time, calls map[string]int) ([]awsStream, []string, error) {
	groups, notes := f.groupsOf(c)
	ips := map[string]bool{}
	for _, t := range c.Tunnels {
		ips[t.OutsideIP] = true
	}
	var out []awsStream
	for _, g := range groups {
		ls, err := f.listGroup(ctx, g, now, calls, false)
		if err != nil {
			return nil, nil, err
		}
		for _, s := range ls {
			if s.id.VPNConnectionID == c.ID && ips[s.id.TunnelIP] {
				out = append(out, s)
			}
		}
	}
	return out, notes, nil
}

// batchKey groups streams read by one request series.
type batchKey struct {
	group string
	full  bool
}

// Poll implements source.Feed.
func (f *Feed) Poll(ctx context.Context, now time.Time, wants []source.Want, cursors map[string]*source.StreamCursor) (*source.Batch, error) {
	b := source.NewBatch()
	end := now.UnixMilli()
	type member struct {
		s     awsStream
		start int64
	}
	batches := map[batchKey][]member{}
	var keys []batchKey
	for _, w := range wants {
		streams, notes, err := f.streamsOf(ctx, w.Conn, now, b.Calls)
		if err != nil {
			return nil, err
		}
		b.Notes = append(b.Notes, notes...)
		for _, s := range streams {
			start := w.SinceMs
			if c := cursors[s.id.String()]; c != nil && c.PolledToMs > 0 {
				start = max(c.LastEventMs, c.PolledToMs-f.cfg.IngestDelay.Milliseconds())
			}
			k := batchKey{group: s.group, full: w.Full}
			if _, ok := batches[k]; !ok {
				keys = append(keys, k)
			}
			batches[k] = append(batches[k], member{s, start})
		}
		b.Frontier[w.Conn.ID] = end - f.cfg.IngestDelay.Milliseconds()
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].group != keys[j].group {
			return keys[i].group < keys[j].group
		}
		return !keys[i].full && keys[j].full
	})
	for _, k := range keys {
		ms := batches[k]
		for lo := 0; lo < len(ms); lo += 100 {
			part := ms[lo:min(lo+100, len(ms))]
			start := end
			names := make([]string, len(part))
			byName := map[string]awsStream{}
			for i, m := range part {
				start = min(start, m.start)
				names[i] = m.s.name
				byName[m.s.name] = m.s
			}
			err := f.filter(ctx, k.group, names, byName, start, end, !k.full, b)
			var se *source.Error
			if errors.As(err, &se) && se.Cause == "StreamNotFound" {
				// A stream went away (retention, a re-created tunnel):
				// list the group again and read it at the next poll.
				f.listGroup(ctx, k.group, now, b.Calls, true)
				b.Notes = append(b.Notes, se.Msg)
				continue
			}
			if err != nil {
				return nil, err
			}
			for _, m := range part {
				key := m.s.id.String()
				c := cursors[key]
				if c == nil {
					c = &source.StreamCursor{}
					cursors[key] = c
				}
				c.PolledToMs = end
			}
		}
	}
	for i := range b.Events {
		source.Advance(cursors, &b.Events[i])
	}
	return b, nil
}

// Fetch implements source.Feed: every record of the connection's streams in
// [from, to), without a filter pattern.
func (f *Feed) Fetch(ctx context.Context, c *source.Connection, from, to time.Time) (*source.Batch, error) {
	b := source.NewBatch()
	streams, _, err := f.streamsOf(ctx, c, to, b.Calls)
	if err != nil {
		return nil, err
	}
	byGroup := map[string][]awsStream{}
	var groups []string
	for _, s := range streams {
		if _, ok := byGroup[s.group]; !ok {
			groups = append(groups, s.group)
		}
		byGroup[s.group] = append(byGroup[s.group], s)
	}
	sort.Strings(groups)
	for _, g := range groups {
		ss := byGroup[g]
		names := make([]string, len(ss))
		byName := map[string]awsStream{}
		for i, s := range ss {
			names[i] = s.name
			byName[s.name] = s
		}
		if err := f.filter(ctx, g, names, byName, from.UnixMilli(), to.UnixMilli(), false, b); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// filter reads [lo, hi) of some streams of a group with FilterLogEvents,
// every page, into b.
func (f *Feed) filter(ctx context.Context, group string, names []string, byName map[string]awsStream, lo, hi int64, anomalies bool, b *source.Batch) error {
	if hi <= lo {
		return nil
	}
	in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: sdkaws.String(group), LogStreamNames: names,
		StartTime: sdkaws.Int64(lo), EndTime: sdkaws.Int64(hi - 1)}
	if anomalies {
		in.FilterPattern = sdkaws.String(AnomalyFilterPattern())
	}
	var prev string
	for {
		if err := f.limit.Wait(ctx); err != nil {
			return err
		}
		page, err := f.logs.FilterLogEvents(ctx, in)
		b.Calls["FilterLogEvents"]++
		if err != nil {
			return f.mapError("FilterLogEvents", group, err)
		}
		for _, e := range page.Events {
			name := sdkaws.ToString(e.LogStreamName)
			s, ok := byName[name]
			if !ok {
				continue
			}
			ts := sdkaws.ToInt64(e.Timestamp)
			msg := sdkaws.ToString(e.Message)
			ev, perr := vpnlog.ParseRecord([]byte(msg), s.id)
			if perr != nil {
				if !errors.Is(perr, vpnlog.ErrNoTime) {
					b.Report.MalformedCount++
					if len(b.Report.Malformed) < 100 {
						b.Report.Malformed = append(b.Report.Malformed, vpnlog.Malformed{File: group + "/" + name,
							Reason: perr.Error() + " (at " + correlate.FormatMs(ts) + ")", Sample: oneLine(msg, 120)})
					}
					continue
				}
				ev.TimeMs, ev.Precision = ts, vpnlog.PrecisionMillis
			}
			if anomalies && !ev.Anomaly {
				continue // the pattern is a superset of the anomalies
			}
			ev.File = name
			b.Events = append(b.Events, ev)
			b.Report.Records++
		}
		next := sdkaws.ToString(page.NextToken)
		if next == "" || next == prev {
			return nil
		}
		prev = next
		in.NextToken = page.NextToken
	}
}

// mapError turns an SDK error into a *source.Error that says what to do.
func (f *Feed) mapError(op, group string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code, msg := ae.ErrorCode(), ae.ErrorMessage()
		switch {
		case code == "AccessDeniedException" || code == "AccessDenied":
			return &source.Error{Op: op, Cause: "AccessDenied", Err: err, Msg: fmt.Sprintf("AWS denied %s on log group %s: vpnlens watch needs logs:%s (see %s). AWS said: %s", op, group, op, PolicyFile, msg)}
		case code == "ResourceNotFoundException" && strings.Contains(strings.ToLower(msg), "stream"):
			return &source.Error{Op: op, Cause: "StreamNotFound", Err: err, Msg: fmt.Sprintf("a log stream of group %s went away; its list is read again", group)}
		case code == "ResourceNotFoundException":
			return &source.Error{Op: op, Cause: "LogGroupNotFound", Err: err, Msg: fmt.Sprintf("log group %s does not exist in region %s: pass --log-group if the VPN logs elsewhere. AWS said: %s", group, f.cfg.Region, msg)}
		}
		return &source.Error{Op: op, Cause: code, Err: err, Msg: fmt.Sprintf("AWS %s on %s failed: %s: %s", op, group, code, msg)}
	}
	return &source.Error{Op: op, Cause: "Unavailable", Err: err, Msg: fmt.Sprintf("AWS %s on %s failed: %v", op, group, err)}
}

// oneLine flattens untrusted log text to one bounded line (as the watch
// reports do).
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		cut := n
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
