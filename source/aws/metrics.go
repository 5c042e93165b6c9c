package aws

import (
	"context"
	"fmt"
	"slices"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/vpnlens/vpnlens/source"
)

// metricsRetention5m is how long CloudWatch keeps 5-minute data points;
// older ones exist only per hour (and those for 455 days).
const metricsRetention5m = 63 * 24 * time.Hour

// metricsPeriod is the resolution asked of GetMetricData for a window:
// AWS publishes the VPN metrics every 5 minutes; windows longer than three
// days, or reaching past the 5-minute retention, are read per hour so one
// call holds them.
func metricsPeriod(q source.MetricsQuery, now time.Time) time.Duration {
	p := q.Period
	if p <= 0 {
		p = 5 * time.Minute
		if q.End.Sub(q.Start) > 3*24*time.Hour {
			p = time.Hour
		}
	}
	if now.Sub(q.Start) > metricsRetention5m {
		p = max(p, time.Hour)
	}
	return max(p.Truncate(time.Minute), 5*time.Minute)
}

// TunnelMetrics implements source.TunnelMetrics: TunnelState (Average),
// TunnelDataIn and TunnelDataOut (Sum) of the connection's tunnels from
// CloudWatch (namespace AWS/VPN), all in one GetMetricData query per page.
// An answer is kept for InventoryTTL: the same question again (a
// follow-up on the same incident) costs no call.
func (s *Source) TunnelMetrics(ctx context.Context, q source.MetricsQuery) (*source.MetricsResult, error) {
	key := fmt.Sprintf("%s/%v/%d/%d/%d", q.VPNConnectionID, q.TunnelIPs, q.Start.UnixMilli(), q.End.UnixMilli(), q.Period)
	if v, ok := s.sideGet(&s.metricsCache, key); ok {
		return cloneMetrics(v.(*source.MetricsResult)), nil
	}
	res, err := s.readMetrics(ctx, q)
	if err != nil {
		return nil, err
	}
	s.sidePut(&s.metricsCache, key, cloneMetrics(res))
	return res, nil
}

// cloneMetrics copies a result so that no caller can change the cached
// one (the points are never written, and are shared).
func cloneMetrics(r *source.MetricsResult) *source.MetricsResult {
	c := *r
	c.Series = slices.Clone(r.Series)
	c.Notes = slices.Clone(r.Notes)
	return &c
}

// readMetrics is TunnelMetrics without the cache.
func (s *Source) readMetrics(ctx context.Context, q source.MetricsQuery) (*source.MetricsResult, error) {
	ips := q.TunnelIPs
	if len(ips) == 0 {
		c, err := s.Connection(ctx, q.VPNConnectionID)
		if err != nil {
			return nil, err
		}
		for _, t := range c.Tunnels {
			ips = append(ips, t.OutsideIP)
		}
	}
	period := metricsPeriod(q, s.now())
	type key struct{ ip, metric string }
	ids := map[string]key{}
	var queries []cwtypes.MetricDataQuery
	for i, ip := range ips {
		for j, m := range source.TunnelMetricNames {
			id := fmt.Sprintf("t%d_m%d", i, j)
			ids[id] = key{ip, m}
			stat := "Sum"
			if m == source.MetricTunnelState {
				stat = "Average"
			}
			queries = append(queries, cwtypes.MetricDataQuery{
				Id: sdkaws.String(id),
				MetricStat: &cwtypes.MetricStat{
					Metric: &cwtypes.Metric{Namespace: sdkaws.String(source.MetricNamespace), MetricName: sdkaws.String(m),
						Dimensions: []cwtypes.Dimension{{Name: sdkaws.String("VpnId"), Value: sdkaws.String(q.VPNConnectionID)},
							{Name: sdkaws.String("TunnelIpAddress"), Value: sdkaws.String(ip)}}},
					Period: sdkaws.Int32(int32(period.Seconds())),
					Stat:   sdkaws.String(stat),
				},
				ReturnData: sdkaws.Bool(true),
			})
		}
	}
	series := map[key]*source.MetricSeries{}
	in := &cloudwatch.GetMetricDataInput{MetricDataQueries: queries, StartTime: sdkaws.Time(q.Start.Truncate(period)), EndTime: sdkaws.Time(q.End),
		ScanBy: cwtypes.ScanByTimestampAscending}
	res := &source.MetricsResult{Path: "CloudWatch GetMetricData"}
	for {
		out, err := s.cw.GetMetricData(ctx, in)
		if err != nil {
			return nil, s.mapError(callContext{op: "GetMetricData", vpn: q.VPNConnectionID}, err)
		}
		for _, r := range out.MetricDataResults {
			k, ok := ids[sdkaws.ToString(r.Id)]
			if !ok {
				continue
			}
			sr := series[k]
			if sr == nil {
				sr = &source.MetricSeries{TunnelIP: k.ip, Metric: k.metric, Period: period}
				series[k] = sr
			}
			for i, t := range r.Timestamps {
				if i < len(r.Values) {
					sr.Points = append(sr.Points, source.MetricPoint{Time: t.UTC(), Value: r.Values[i]})
				}
			}
			if r.StatusCode == cwtypes.StatusCodeForbidden || r.StatusCode == cwtypes.StatusCodeInternalError {
				res.Notes = append(res.Notes, fmt.Sprintf("%s of %s: CloudWatch answered %s", k.metric, k.ip, r.StatusCode))
			}
		}
		for _, m := range out.Messages {
			res.Notes = append(res.Notes, "CloudWatch: "+sdkaws.ToString(m.Value))
		}
		if out.NextToken == nil || *out.NextToken == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	for _, ip := range ips {
		for _, m := range source.TunnelMetricNames {
			if sr := series[key{ip, m}]; sr != nil {
				slices.SortFunc(sr.Points, func(a, b source.MetricPoint) int { return a.Time.Compare(b.Time) })
				sr.Period = returnedPeriod(sr.Points, period)
				res.Series = append(res.Series, *sr)
			}
		}
	}
	return res, nil
}

// returnedPeriod is the resolution CloudWatch answered with: the period
// asked, or the spacing of the points when it is coarser (data older than
// the finer resolution's retention comes back per hour).
func returnedPeriod(pts []source.MetricPoint, asked time.Duration) time.Duration {
	if len(pts) < 2 {
		return asked
	}
	gap := pts[1].Time.Sub(pts[0].Time)
	for i := 2; i < len(pts); i++ {
		gap = min(gap, pts[i].Time.Sub(pts[i-1].Time))
	}
	return max(gap, asked)
}
