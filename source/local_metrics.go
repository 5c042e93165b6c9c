package source

import (
	"context"
	"fmt"
	"io"
	"io/fs"
)

// maxSideFileBytes bounds a side file of a logs folder
// (tunnel-metrics.json, cloudtrail-events.json): a year of 5-minute points
// for a few tunnels is well under it.
const maxSideFileBytes = 64 << 20

// readSideFile reads a side file of a logs folder whole, up to
// maxSideFileBytes; op names the reading in the error.
func readSideFile(fsys fs.FS, p, shown, op string) ([]byte, *Error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, &Error{Op: op, Cause: "ReadFailed", Msg: fmt.Sprintf("%s: cannot open: %s", shown, bareError(err)), Err: err}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSideFileBytes+1))
	if err == nil && len(b) > maxSideFileBytes {
		err = fmt.Errorf("larger than %d MiB", maxSideFileBytes>>20)
	}
	if err != nil {
		return nil, &Error{Op: op, Cause: "ReadFailed", Msg: fmt.Sprintf("%s: %v", shown, err), Err: err}
	}
	return b, nil
}

// readMetrics reads tunnel-metrics.json; a file that cannot be read or
// parsed is kept as the error questions about metrics get.
func (l *Local) readMetrics(fsys fs.FS, p, shown string) {
	b, rerr := readSideFile(fsys, p, shown, "read tunnel metrics")
	if rerr != nil {
		l.metricsErr = rerr
		return
	}
	m, err := ParseMetricsFile(shown, b)
	if err != nil {
		l.metricsErr = &Error{Op: "read tunnel metrics", Cause: "BadMetrics", Msg: err.Error() + "; write it in the shape of `aws cloudwatch get-metric-data` output, each result with MetricName, Dimensions and Period", Err: err}
		return
	}
	l.metrics = m
}

// TunnelMetrics implements TunnelMetrics from the folder's
// tunnel-metrics.json; without one, it answers with no series and a note
// saying how to add it.
func (l *Local) TunnelMetrics(ctx context.Context, q MetricsQuery) (*MetricsResult, error) {
	// The side files are read by the walk, before the folder is indexed:
	// no need to wait for the index.
	l.mu.RLock()
	m, merr := l.metrics, l.metricsErr
	l.mu.RUnlock()
	if merr != nil {
		return nil, merr
	}
	res := &MetricsResult{Path: MetricsFileName}
	if m == nil {
		res.Notes = append(res.Notes, fmt.Sprintf("no %s in %s: export the tunnels' AWS/VPN TunnelState, TunnelDataIn and TunnelDataOut metrics (aws cloudwatch get-metric-data) into it to see state history without logs", MetricsFileName, l.name))
		return res, nil
	}
	res.Series = m.Query(q)
	return res, nil
}

var _ TunnelMetrics = (*Local)(nil)
