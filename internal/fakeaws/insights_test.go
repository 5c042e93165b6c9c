package fakeaws

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// query runs a Logs Insights query over the wire and returns its rows.
func runInsights(t *testing.T, s *Server, startS, endS int64, q string) []map[string]string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"logGroupNames": []string{"/aws/vendedlogs/vpn/hq"}, "startTime": startS, "endTime": endS, "queryString": q})
	code, body := post(t, s, "StartQuery", string(b))
	if code != 200 {
		t.Fatalf("StartQuery %q: %d %s", q, code, body)
	}
	var sq struct{ QueryId string }
	json.Unmarshal([]byte(body), &sq)
	for range 200 {
		_, body = post(t, s, "GetQueryResults", `{"queryId":"`+sq.QueryId+`"}`)
		var gr struct {
			Status  string
			Results [][]struct{ Field, Value string }
		}
		json.Unmarshal([]byte(body), &gr)
		if gr.Status == "Complete" {
			var out []map[string]string
			for _, row := range gr.Results {
				m := map[string]string{}
				for _, f := range row {
					m[f.Field] = f.Value
				}
				out = append(out, m)
			}
			return out
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("query %q never completed", q)
	return nil
}

// `not like` keeps exactly what `like` drops, and stats gives the first and
// last timestamp of each group beside its count.
func TestInsightsNotLikeAndMinMax(t *testing.T) {
	s := loaded(t, Options{})
	const stream = "vpn-0a1b2c3d4e5f60718_203.0.113.10-IKE.log"
	const first = int64(1781222671000) // the stream's first record
	startS, endS := first/1000, first/1000+86400
	sel := `filter @logStream in ["` + stream + `"]`
	count := func(q string) int {
		rows := runInsights(t, s, startS, endS, sel+" | "+q+" | stats count(*) as n by @logStream")
		if len(rows) == 0 {
			return 0
		}
		n, _ := strconv.Atoi(rows[0]["n"])
		return n
	}
	all := count(`filter @message like /./`)
	like := count(`filter @message like /CREATE_CHILD_SA/`)
	notLike := count(`filter @message not like /CREATE_CHILD_SA/`)
	if all == 0 || like == 0 || notLike == 0 || like+notLike != all {
		t.Errorf("like %d + not like %d, want both > 0 and summing to all %d", like, notLike, all)
	}
	rows := runInsights(t, s, startS, endS, sel+" | stats count(*) as n, min(@timestamp) as first, max(@timestamp) as last by @logStream, bin(1h) as hour")
	total := 0
	for i, r := range rows {
		n, _ := strconv.Atoi(r["n"])
		total += n
		if r["first"] > r["last"] || !strings.HasPrefix(r["first"], r["hour"][:13]) || !strings.HasPrefix(r["last"], r["hour"][:13]) {
			t.Errorf("row %d: first %s and last %s are not in hour %s in order", i, r["first"], r["last"], r["hour"])
		}
	}
	if total != all {
		t.Errorf("hourly counts sum to %d, want %d", total, all)
	}
	if len(rows) == 0 || rows[0]["first"] != formatInsightsTime(first) {
		t.Errorf("first hour's first record %v, want %s", rows[0], formatInsightsTime(first))
	}
}
