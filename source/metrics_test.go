package source_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vpnlens/vpnlens/source"
)

func hourSeries(start time.Time, values ...float64) *source.MetricSeries {
	s := &source.MetricSeries{Metric: source.MetricTunnelState, Period: time.Hour}
	for i, v := range values {
		s.Points = append(s.Points, source.MetricPoint{Time: start.Add(time.Duration(i) * time.Hour), Value: v})
	}
	return s
}

// StateSpans: a period partly up holds the change and places it by its
// share of uptime; a gap in the data is a span of its own.
func TestStateSpans(t *testing.T) {
	t0 := time.Date(2026, 5, 29, 6, 0, 0, 0, time.UTC)
	spans := source.StateSpans(hourSeries(t0, 1, 1, 0.25, 0, 0, 0.5, 1))
	if len(spans) != 3 {
		t.Fatalf("spans = %+v", spans)
	}
	if !spans[0].Up || !spans[0].To.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("first span %+v", spans[0])
	}
	if spans[1].Up || !spans[1].From.Equal(t0.Add(2*time.Hour)) || !spans[1].FromEstimate.Equal(t0.Add(2*time.Hour+15*time.Minute)) {
		t.Errorf("down span %+v, want from 08:15", spans[1])
	}
	if !spans[2].Up || !spans[2].FromEstimate.Equal(t0.Add(5*time.Hour+30*time.Minute)) || !spans[2].To.Equal(t0.Add(7*time.Hour)) {
		t.Errorf("up again %+v, want from 11:30", spans[2])
	}
	gap := hourSeries(t0, 1, 1)
	gap.Points = append(gap.Points, source.MetricPoint{Time: t0.Add(5 * time.Hour), Value: 1})
	spans = source.StateSpans(gap)
	if len(spans) != 3 || !spans[1].Missing || !spans[1].From.Equal(t0.Add(2*time.Hour)) || !spans[1].To.Equal(t0.Add(5*time.Hour)) {
		t.Errorf("gap spans = %+v", spans)
	}
}

// A tunnel-metrics.json that is not what it claims is named with what is
// wrong, to the question that needs it; the logs are read all the same.
func TestLocalMetricsFileErrors(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{oops`, "not GetMetricData output"},
		{`{"MetricDataResults":[{"MetricName":"CPU","Dimensions":{"VpnId":"v","TunnelIpAddress":"1.2.3.4"},"Period":300}]}`, `MetricName "CPU"`},
		{`{"MetricDataResults":[{"MetricName":"TunnelState","Dimensions":{"VpnId":"v"},"Period":300}]}`, "need VpnId and TunnelIpAddress"},
		{`{"MetricDataResults":[{"MetricName":"TunnelState","Dimensions":{"VpnId":"v","TunnelIpAddress":"1.2.3.4"},"Period":300,"Timestamps":["2026-06-12T00:00:00Z"],"Values":[]}]}`, "1 Timestamps but 0 Values"},
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, source.MetricsFileName), []byte(c.body), 0o644)
		os.WriteFile(filepath.Join(dir, "vpn-0a1b2c3d4e5f60718_203.0.113.10-BGP.log"), []byte(`{"event_timestamp":1781226000000,"timestamp":"2026-06-12 01:00:00.000Z","resource_id":"vpn-0a1b2c3d4e5f60718_203.0.113.10","type":"BGPStatus","status":"UP","message":{"details":"x"}}`+"\n"), 0o644)
		l, err := source.OpenDir(dir, nil)
		if err != nil {
			t.Fatalf("%s: the logs were not read: %v", c.want, err)
		}
		_, err = l.TunnelMetrics(context.Background(), source.MetricsQuery{VPNConnectionID: "v"})
		var se *source.Error
		if !errors.As(err, &se) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), source.MetricsFileName) {
			t.Errorf("err = %v, want %q", err, c.want)
		}
		rep := l.Report()
		if rep.MalformedCount != 0 || rep.SkippedCount != 0 {
			t.Errorf("%s: the metrics file counted in the load report: %+v", c.want, rep)
		}
	}
}
