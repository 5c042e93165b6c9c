package aws

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

func asSourceError(err error, target **source.Error) bool { return errors.As(err, target) }

// GroupName turns a log group ARN ("arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*")
// into its name; a name comes back unchanged.
func GroupName(arnOrName string) string {
	if i := strings.Index(arnOrName, ":log-group:"); i >= 0 {
		arnOrName = arnOrName[i+len(":log-group:"):]
	}
	return strings.TrimSuffix(arnOrName, ":*")
}

// streamInfo is one CloudWatch Logs stream of a VPN tunnel.
type streamInfo struct {
	group string
	name  string
	id    vpnlog.StreamID
	first time.Time
	last  time.Time
}

// listing is the streams of one connection in one log group, as
// DescribeLogStreams returned them at a time.
type listing struct {
	at      time.Time
	streams []streamInfo
}

type kindGuess struct {
	kind vpnlog.StreamKind
}

// want is one stream a question needs: a tunnel's IKE or BGP log and the
// group it is delivered to.
type want struct {
	tunnel   *source.Tunnel
	kind     vpnlog.StreamKind
	group    string
	groupWhy string
}

// plan lists the streams a question about conn needs and the tunnels whose
// logging is off for a wanted kind.
func (s *Source) plan(conn *source.Connection, tunnelIPs []string, kinds []vpnlog.StreamKind) (wants []want, disabled []string) {
	for i := range conn.Tunnels {
		t := &conn.Tunnels[i]
		if len(tunnelIPs) > 0 && !containsStr(tunnelIPs, t.OutsideIP) {
			continue
		}
		for _, k := range []vpnlog.StreamKind{vpnlog.StreamIKE, vpnlog.StreamBGP} {
			if len(kinds) > 0 && !containsKind(kinds, k) {
				continue
			}
			enabled, arn := t.Logging.IKEEnabled, t.Logging.IKELogGroup
			if k == vpnlog.StreamBGP {
				enabled, arn = t.Logging.BGPEnabled, t.Logging.BGPLogGroup
			}
			switch {
			case s.cfg.LogGroup != "":
				wants = append(wants, want{tunnel: t, kind: k, group: GroupName(s.cfg.LogGroup), groupWhy: "from --log-group"})
			case enabled && arn != "":
				why := fmt.Sprintf("from tunnel %d's %s log options", t.Number, k)
				if path := t.Logging.IKEPath; k == vpnlog.StreamBGP {
					why = pathWhy(t.Logging.BGPPath, why)
				} else {
					why = pathWhy(path, why)
				}
				wants = append(wants, want{tunnel: t, kind: k, group: GroupName(arn), groupWhy: why})
			case t.Logging.Elsewhere[k.String()] != "":
				// Delivered, but not to a log group: say where.
				disabled = append(disabled, fmt.Sprintf("%s; its %s logs reach no log group on tunnel %d (%s)", t.Logging.Elsewhere[k.String()], k, t.Number, t.OutsideIP))
			default:
				disabled = append(disabled, fmt.Sprintf("%s logging is disabled on tunnel %d%s (%s)", k, t.Number, s.deliveriesUnknown(), t.OutsideIP))
			}
		}
	}
	return wants, disabled
}

// pathWhy is where a wanted group came from: a log delivery when the
// tunnel's options do not name it.
func pathWhy(path, options string) string {
	if strings.HasPrefix(path, "log delivery ") {
		return "from " + path
	}
	return options
}

// deliveriesUnknown qualifies "logging is disabled" when the log
// deliveries could not be listed.
func (s *Source) deliveriesUnknown() string {
	s.invMu.Lock()
	defer s.invMu.Unlock()
	if s.delivErr == nil {
		return ""
	}
	return fmt.Sprintf(" in its options, and its log deliveries could not be checked: %v", s.delivErr)
}

// EnableLoggingAdvice tells how to turn a tunnel's logs on. Changing tunnel
// options renegotiates that tunnel, so one tunnel at a time.
func EnableLoggingAdvice(vpn, ip string) string {
	return fmt.Sprintf("enable it one tunnel at a time (changing tunnel options renegotiates that tunnel, the other one keeps traffic up): aws ec2 modify-vpn-tunnel-options --vpn-connection-id %s --vpn-tunnel-outside-ip-address %s --tunnel-options '{\"LogOptions\":{\"CloudWatchLogOptions\":{\"LogEnabled\":true,\"LogGroupArn\":\"<log group ARN>\",\"BgpLogEnabled\":true,\"BgpLogGroupArn\":\"<log group ARN>\"}}}', wait for the tunnel to be UP again, then do the other tunnel", vpn, ip)
}

// loggingDisabledError is the answer when none of the wanted streams is
// logged at all.
func loggingDisabledError(conn *source.Connection, disabled []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "no logs can be read for %s: %s. ", conn.ID, strings.Join(disabled, "; "))
	seen := map[string]bool{}
	for _, t := range conn.Tunnels {
		for _, d := range disabled {
			if strings.Contains(d, "("+t.OutsideIP+")") && !seen[t.OutsideIP] {
				seen[t.OutsideIP] = true
				fmt.Fprintf(&b, "Tunnel %d: %s. ", t.Number, EnableLoggingAdvice(conn.ID, t.OutsideIP))
			}
		}
	}
	b.WriteString("Logs start from the moment logging is enabled; if they already go to a log group the tunnel options do not name, pass --log-group NAME.")
	return &source.Error{Op: "read logs", Cause: "LoggingDisabled", Msg: b.String()}
}

// listStreams returns the streams of vpn in group, from DescribeLogStreams
// by the prefix vpn (reused for StreamsTTL).
func (s *Source) listStreams(ctx context.Context, group, groupWhy, vpn string) ([]streamInfo, error) {
	key := group + "\x00" + vpn
	s.streamMu.Lock()
	l := s.streams[key]
	s.streamMu.Unlock()
	if l != nil && s.now().Sub(l.at) <= s.cfg.StreamsTTL {
		return l.streams, nil
	}
	var out []streamInfo
	p := cloudwatchlogs.NewDescribeLogStreamsPaginator(s.logs, &cloudwatchlogs.DescribeLogStreamsInput{
		LogGroupName: sdkaws.String(group), LogStreamNamePrefix: sdkaws.String(vpn)}, func(o *cloudwatchlogs.DescribeLogStreamsPaginatorOptions) {
		o.StopOnDuplicateToken = true
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s.mapError(callContext{op: "DescribeLogStreams", group: group, groupWhy: groupWhy, vpn: vpn}, err)
		}
		for _, ls := range page.LogStreams {
			name := str(ls.LogStreamName)
			id, ok := vpnlog.ParseStreamName(name)
			if !ok || id.VPNConnectionID != vpn {
				continue // another connection whose id starts with this one's
			}
			si := streamInfo{group: group, name: name, id: id}
			if ls.FirstEventTimestamp != nil {
				si.first = time.UnixMilli(*ls.FirstEventTimestamp).UTC()
			}
			if ls.LastEventTimestamp != nil {
				si.last = time.UnixMilli(*ls.LastEventTimestamp).UTC()
			}
			out = append(out, si)
		}
	}
	for i := range out {
		if out[i].id.Kind == vpnlog.StreamUnknown {
			k, err := s.kindByContent(ctx, &out[i])
			if err != nil {
				return nil, err
			}
			out[i].id.Kind = k
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	s.streamMu.Lock()
	s.streams[key] = &listing{at: s.now(), streams: out}
	s.streamMu.Unlock()
	return out, nil
}

// kindByContent tells IKE from BGP for a stream whose name does not say,
// from its first record (BGP records carry type/resource_id). Remembered
// for the life of the source.
func (s *Source) kindByContent(ctx context.Context, si *streamInfo) (vpnlog.StreamKind, error) {
	key := si.group + "\x00" + si.name
	s.kindMu.Lock()
	g, ok := s.kinds[key]
	s.kindMu.Unlock()
	if ok {
		return g.kind, nil
	}
	out, err := s.logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: sdkaws.String(si.group), LogStreamName: sdkaws.String(si.name),
		StartFromHead: sdkaws.Bool(true), Limit: sdkaws.Int32(1)})
	if err != nil {
		return 0, s.mapError(callContext{op: "GetLogEvents", group: si.group, groupWhy: "stream " + si.name}, err)
	}
	kind := vpnlog.StreamUnknown
	if len(out.Events) > 0 {
		ev, _ := vpnlog.ParseRecord([]byte(str(out.Events[0].Message)), vpnlog.StreamID{VPNConnectionID: si.id.VPNConnectionID, TunnelIP: si.id.TunnelIP})
		kind = ev.Stream
	}
	s.kindMu.Lock()
	s.kinds[key] = kindGuess{kind: kind}
	s.kindMu.Unlock()
	return kind, nil
}

// resolve finds the streams for wants: found ones, and notes about the
// ones that do not exist (yet).
func (s *Source) resolve(ctx context.Context, vpn string, wants []want) (found []streamInfo, notes []string, err error) {
	type gk struct{ group, why string }
	var groups []gk
	seen := map[string]bool{}
	for _, w := range wants {
		if !seen[w.group] {
			seen[w.group] = true
			groups = append(groups, gk{w.group, w.groupWhy})
		}
	}
	// IKE and BGP logs often go to different groups: list them in parallel.
	lists := make([][]streamInfo, len(groups))
	errs := make([]error, len(groups))
	var wg sync.WaitGroup
	for i, g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lists[i], errs[i] = s.listStreams(ctx, g.group, g.why, vpn)
		}()
	}
	wg.Wait()
	byGroup := map[string][]streamInfo{}
	for i, g := range groups {
		if errs[i] != nil {
			return nil, nil, errs[i]
		}
		byGroup[g.group] = lists[i]
	}
	for _, w := range wants {
		hit := false
		for _, si := range byGroup[w.group] {
			if si.id.TunnelIP == w.tunnel.OutsideIP && si.id.Kind == w.kind {
				found = append(found, si)
				hit = true
			}
		}
		if !hit {
			notes = append(notes, fmt.Sprintf("no %s log stream for tunnel %d (%s) in log group %s yet: AWS creates it with the tunnel's first %s record", w.kind, w.tunnel.Number, w.tunnel.OutsideIP, w.group, w.kind))
		}
	}
	return found, notes, nil
}

// Extents implements source.LogSource from DescribeLogStreams's first and
// last event times. Count is 0: CloudWatch does not count a stream's
// events. lastEventTimestamp is updated by AWS with a delay of up to an hour.
func (s *Source) Extents(ctx context.Context, vpn string) ([]source.Extent, error) {
	conn, err := s.Connection(ctx, vpn)
	if err != nil {
		return nil, err
	}
	wants, _ := s.plan(conn, nil, nil)
	found, _, err := s.resolve(ctx, conn.ID, wants)
	if err != nil {
		return nil, err
	}
	var out []source.Extent
	for _, si := range found {
		if si.first.IsZero() {
			continue
		}
		out = append(out, source.Extent{Stream: si.id, First: si.first, Last: si.last})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Stream.String() < out[j].Stream.String() })
	return out, nil
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsKind(list []vpnlog.StreamKind, k vpnlog.StreamKind) bool {
	for _, x := range list {
		if x == k {
			return true
		}
	}
	return false
}
