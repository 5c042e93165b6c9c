package fakeaws

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CloudWatch metrics (GetMetricData) as the SDK sends it since CloudWatch
// moved to the Smithy RPC v2 CBOR protocol: POST
// /service/GraniteServiceVersion20100801/operation/GetMetricData with a
// CBOR body, Smithy-Protocol: rpc-v2-cbor, answered in CBOR; errors carry
// __type in the body and the query-compatible code in X-Amzn-Query-Error.

const cloudwatchService = "GraniteServiceVersion20100801"

// MetricSeries is one stored metric series: a metric of the AWS/VPN
// namespace with its dimensions, at its native resolution.
type MetricSeries struct {
	MetricName string            `json:"MetricName"`
	Dimensions map[string]string `json:"Dimensions"`
	Period     int               `json:"Period"` // seconds
	Timestamps []time.Time       `json:"Timestamps"`
	Values     []float64         `json:"Values"`
}

// AddMetrics stores metric series (namespace AWS/VPN) for GetMetricData.
func (s *Server) AddMetrics(series ...MetricSeries) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.metrics = append(s.metrics, series...)
}

// LoadMetricsJSON reads a tunnel-metrics.json (GetMetricData's
// MetricDataResults, each with MetricName, Dimensions and Period).
func (s *Server) LoadMetricsJSON(b []byte) error {
	var f struct {
		MetricDataResults []MetricSeries `json:"MetricDataResults"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("fakeaws: tunnel-metrics.json: %w", err)
	}
	for i, r := range f.MetricDataResults {
		if r.Period <= 0 || len(r.Timestamps) != len(r.Values) {
			return fmt.Errorf("fakeaws: tunnel-metrics.json: result %d: needs a Period and as many Timestamps as Values", i)
		}
	}
	s.AddMetrics(f.MetricDataResults...)
	return nil
}

// cborOperation names the operation of a Smithy RPC v2 CBOR request.
func cborOperation(r *http.Request) (string, bool) {
	if r.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" {
		return "", false
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/service/")
	if !ok {
		return "", false
	}
	_, op, ok := strings.Cut(rest, "/operation/")
	return op, ok
}

var metricQueryID = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// metricQuery is one MetricDataQuery with a MetricStat, as decoded.
type metricQuery struct {
	id, label, namespace, name, stat string
	dims                             map[string]string
	period                           int
}

func (s *Server) serveMetrics(ctx context.Context, w http.ResponseWriter, op string, body []byte) {
	v, derr := cborDecode(body)
	req, _ := v.(map[string]any)
	start, _ := cborTime(req["StartTime"])
	end, _ := cborTime(req["EndTime"])
	token, _ := req["NextToken"].(string)
	e, sp := s.admit(ctx, op, Call{Start: start.Unix(), End: end.Unix(), Paged: token != ""})
	if e != nil {
		writeCBORError(w, e)
		return
	}
	if ctx.Err() != nil {
		return
	}
	if op != "GetMetricData" {
		writeCBORError(w, errorf(400, "UnknownOperationException", "fakeaws serves GetMetricData of CloudWatch, not %s", op))
		return
	}
	if derr != nil || req == nil {
		writeCBORError(w, errorf(400, "SerializationException", "request body is not a CBOR map: %v", derr))
		return
	}
	queries, err := decodeMetricQueries(req, start, end)
	if err != nil {
		writeCBORError(w, err)
		return
	}
	offset := 0
	if token != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(token, "dp:"))
		if err != nil || n < 0 {
			writeCBORError(w, errorf(400, "InvalidNextToken", "The service couldn't process the NextToken %q", token))
			return
		}
		offset = n
	}
	pageCap := 100_800 // datapoints per call, GetMetricData's limit
	if s.opt.PageSize > 0 {
		pageCap = s.opt.PageSize
	}
	descending := req["ScanBy"] == "TimestampDescending"
	s.mu.Lock()
	stored := s.metrics
	s.mu.Unlock()
	results := []any{}
	seen, served := 0, 0
	for _, q := range queries {
		times, values := metricStat(stored, q, start, end)
		if descending {
			slices.Reverse(times)
			slices.Reverse(values)
		}
		ts, vs := []any{}, []any{}
		status := "Complete"
		for i := range times {
			seen++
			if seen <= offset {
				continue
			}
			if served == pageCap {
				status = "PartialData"
				break
			}
			served++
			ts = append(ts, cborTag{ID: 1, Value: float64(times[i].Unix())})
			vs = append(vs, values[i])
		}
		label := q.label
		if label == "" {
			label = q.name
		}
		results = append(results, map[string]any{"Id": q.id, "Label": label,
			"Timestamps": ts, "Values": vs, "StatusCode": status})
	}
	out := map[string]any{"MetricDataResults": results, "Messages": []any{}}
	if served == pageCap && seen > offset+served {
		out["NextToken"] = "dp:" + strconv.Itoa(offset+served)
	}
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	writeSpoiled(w, "application/cbor", cborEncode(out), sp)
}

// decodeMetricQueries checks the request as CloudWatch does and returns
// its MetricStat queries.
func decodeMetricQueries(req map[string]any, start, end time.Time) ([]metricQuery, *apiError) {
	if start.IsZero() || end.IsZero() {
		return nil, errorf(400, "MissingParameter", "The parameters StartTime and EndTime are required.")
	}
	if !end.After(start) {
		return nil, errorf(400, "InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime.")
	}
	list, _ := req["MetricDataQueries"].([]any)
	if len(list) == 0 || len(list) > 500 {
		return nil, errorf(400, "InvalidParameterValue", "MetricDataQueries must hold 1 to 500 queries, not %d", len(list))
	}
	var out []metricQuery
	for i, item := range list {
		m, _ := item.(map[string]any)
		id, _ := m["Id"].(string)
		if !metricQueryID.MatchString(id) {
			return nil, errorf(400, "InvalidParameterValue", "MetricDataQueries[%d].Id %q must start with a lowercase letter and hold only letters, digits and underscores", i, id)
		}
		ms, _ := m["MetricStat"].(map[string]any)
		metric, _ := ms["Metric"].(map[string]any)
		if metric == nil {
			return nil, errorf(400, "InvalidParameterValue", "MetricDataQueries[%d]: fakeaws answers MetricStat queries only", i)
		}
		q := metricQuery{id: id, dims: map[string]string{}}
		q.label = cborString(m["Label"])
		q.namespace, q.name, q.stat = cborString(metric["Namespace"]), cborString(metric["MetricName"]), cborString(ms["Stat"])
		p, _ := cborInt(ms["Period"])
		q.period = int(p)
		if q.period <= 0 || q.period%60 != 0 {
			return nil, errorf(400, "InvalidParameterValue", "MetricDataQueries[%d].MetricStat.Period %d must be a multiple of 60", i, q.period)
		}
		if !slices.Contains([]string{"Average", "Sum", "Minimum", "Maximum", "SampleCount"}, q.stat) {
			return nil, errorf(400, "InvalidParameterValue", "MetricDataQueries[%d].MetricStat.Stat %q is not a statistic", i, q.stat)
		}
		dl, _ := metric["Dimensions"].([]any)
		for _, d := range dl {
			dm, _ := d.(map[string]any)
			q.dims[cborString(dm["Name"])] = cborString(dm["Value"])
		}
		out = append(out, q)
	}
	return out, nil
}

// metricStat is the statistic of the stored series matching q (namespace
// AWS/VPN, same name and dimensions) per period of q from start, in time
// order. Series stored at a coarser resolution than asked are returned at
// theirs, as CloudWatch does for data past the finer retention.
func metricStat(stored []MetricSeries, q metricQuery, start, end time.Time) ([]time.Time, []float64) {
	if q.namespace != "AWS/VPN" {
		return nil, nil
	}
	type bin struct {
		sum, min, max float64
		n             int
	}
	bins := map[int64]*bin{}
	for _, sr := range stored {
		if sr.MetricName != q.name || !mapsEqual(sr.Dimensions, q.dims) {
			continue
		}
		period := int64(max(q.period, sr.Period))
		for i, t := range sr.Timestamps {
			if t.Before(start) || !t.Before(end) {
				continue
			}
			k := start.Unix() + (t.Unix()-start.Unix())/period*period
			b := bins[k]
			if b == nil {
				b = &bin{min: math.Inf(1), max: math.Inf(-1)}
				bins[k] = b
			}
			v := sr.Values[i]
			b.sum += v
			b.min, b.max = min(b.min, v), max(b.max, v)
			b.n++
		}
	}
	keys := make([]int64, 0, len(bins))
	for k := range bins {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	times, values := make([]time.Time, len(keys)), make([]float64, len(keys))
	for i, k := range keys {
		b := bins[k]
		times[i] = time.Unix(k, 0).UTC()
		switch q.stat {
		case "Average":
			values[i] = b.sum / float64(b.n)
		case "Sum":
			values[i] = b.sum
		case "Minimum":
			values[i] = b.min
		case "Maximum":
			values[i] = b.max
		case "SampleCount":
			values[i] = float64(b.n)
		}
	}
	return times, values
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// cborTime reads a timestamp (tag 1: epoch seconds, integer or float).
func cborTime(v any) (time.Time, bool) {
	t, ok := v.(cborTag)
	if !ok || t.ID != 1 {
		return time.Time{}, false
	}
	switch x := t.Value.(type) {
	case int64:
		return time.Unix(x, 0).UTC(), true
	case float64:
		sec, frac := math.Modf(x)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
	}
	return time.Time{}, false
}

func cborString(v any) string {
	s, _ := v.(string)
	return s
}

func cborInt(v any) (int64, bool) {
	n, ok := v.(int64)
	return n, ok
}

// queryErrorCodes are CloudWatch's query-protocol codes for the JSON-style
// codes fakeaws faults use.
var queryErrorCodes = map[string]string{
	"AccessDeniedException": "AccessDenied",
	"ThrottlingException":   "Throttling",
}

// writeCBORError writes an RPC v2 CBOR error answer: __type and message in
// the body, the query-compatible code in X-Amzn-Query-Error.
func writeCBORError(w http.ResponseWriter, e *apiError) {
	code := e.code
	if q, ok := queryErrorCodes[code]; ok {
		code = q
	}
	fault := "Sender"
	if e.status >= 500 {
		fault = "Receiver"
	}
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("X-Amzn-RequestId", "fake-request")
	w.Header().Set("X-Amzn-Query-Error", code+";"+fault)
	w.WriteHeader(e.status)
	w.Write(cborEncode(map[string]any{"__type": "com.amazonaws.cloudwatch#" + e.code, "message": e.message}))
}
