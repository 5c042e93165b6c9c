package fakeaws

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The Logs Insights subset vpnlens uses:
//
//	fields EXPR [as NAME], ...            EXPR: a field or coalesce(EXPR, ...)
//	filter FIELD [not] like /REGEX/
//	filter FIELD in ["a", "b"]
//	stats AGG as NAME, ... by KEY, ...    AGG: count(*), min(@timestamp) or max(@timestamp);
//	                                      KEY: EXPR [as NAME] or bin(Nh|Nm|Ns|Nd) [as NAME]
//	sort FIELD asc|desc
//	limit N
//
// Fields are @timestamp, @message, @logStream, @log, @ptr and the keys of
// JSON messages, nested keys joined with dots (message.details), as
// Insights discovers them. Anything else is a MalformedQueryException, so a
// change in vpnlens's queries fails loudly here instead of being ignored.

type expr struct {
	field    string  // a field reference, or
	coalesce []*expr // coalesce(...)
}

type projection struct {
	e    *expr
	name string
	bin  int64 // bin width in ms for bin(...) keys
}

type command struct {
	kind   string // fields | filter | stats | sort | limit
	proj   []projection
	field  string
	re     *regexp.Regexp
	negate bool // not like
	in     []string
	aggs   []aggregate
	desc   bool
	limit  int
	byKeys []projection
}

// aggregate is one `FN as NAME` of a stats command.
type aggregate struct {
	fn   string // count | min | max (the last two of @timestamp)
	name string
}

type parsedQuery struct {
	cmds []command
}

func splitCommands(q string) ([]string, error) {
	var out []string
	depth, start := 0, 0
	inStr, inRe := false, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case inStr:
			if c == '\\' {
				i++
			} else if c == '"' {
				inStr = false
			}
		case inRe:
			if c == '\\' {
				i++
			} else if c == '/' {
				inRe = false
			}
		case c == '"':
			inStr = true
		case c == '/' && strings.HasSuffix(strings.TrimRight(q[:i], " "), "like"):
			inRe = true
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == '|' && depth == 0:
			out = append(out, strings.TrimSpace(q[start:i]))
			start = i + 1
		}
	}
	if inStr || inRe || depth != 0 {
		return nil, fmt.Errorf("unbalanced quotes, regex or brackets")
	}
	return append(out, strings.TrimSpace(q[start:])), nil
}

// splitTop splits on commas outside brackets and quotes.
func splitTop(s string) []string {
	var out []string
	depth, start, inStr := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inStr:
			if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

var fieldRe = regexp.MustCompile(`^(@?[A-Za-z_][A-Za-z0-9_.]*|` + "`[^`]+`" + `)$`)

func parseExpr(s string) (*expr, error) {
	s = strings.TrimSpace(s)
	if inner, ok := strings.CutPrefix(s, "coalesce("); ok && strings.HasSuffix(inner, ")") {
		e := &expr{}
		for _, a := range splitTop(strings.TrimSuffix(inner, ")")) {
			sub, err := parseExpr(a)
			if err != nil {
				return nil, err
			}
			e.coalesce = append(e.coalesce, sub)
		}
		return e, nil
	}
	if !fieldRe.MatchString(s) {
		return nil, fmt.Errorf("unsupported expression %q", s)
	}
	return &expr{field: strings.Trim(s, "`")}, nil
}

// parseProjection reads `EXPR [as NAME]` or `bin(W) [as NAME]`.
func parseProjection(s string) (projection, error) {
	var p projection
	if i := strings.LastIndex(s, " as "); i >= 0 {
		p.name = strings.TrimSpace(s[i+4:])
		s = strings.TrimSpace(s[:i])
	}
	if inner, ok := strings.CutPrefix(s, "bin("); ok && strings.HasSuffix(inner, ")") {
		w := strings.TrimSuffix(inner, ")")
		if len(w) < 2 {
			return p, fmt.Errorf("bad bin %q", s)
		}
		n, err := strconv.Atoi(w[:len(w)-1])
		unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[w[len(w)-1]]
		if err != nil || n <= 0 || unit == 0 {
			return p, fmt.Errorf("bad bin %q", s)
		}
		p.bin = (time.Duration(n) * unit).Milliseconds()
		p.e = &expr{field: "@timestamp"}
		if p.name == "" {
			p.name = s
		}
		return p, nil
	}
	e, err := parseExpr(s)
	if err != nil {
		return p, err
	}
	p.e = e
	if p.name == "" {
		if e.field == "" {
			return p, fmt.Errorf("%q needs a name (as ...)", s)
		}
		p.name = e.field
	}
	return p, nil
}

func parseQuery(q string) (*parsedQuery, error) {
	parts, err := splitCommands(q)
	if err != nil {
		return nil, err
	}
	pq := &parsedQuery{}
	for _, part := range parts {
		verb, rest, _ := strings.Cut(part, " ")
		rest = strings.TrimSpace(rest)
		var c command
		c.kind = verb
		switch verb {
		case "fields":
			for _, f := range splitTop(rest) {
				p, err := parseProjection(f)
				if err != nil {
					return nil, err
				}
				c.proj = append(c.proj, p)
			}
		case "filter":
			field, cond, _ := strings.Cut(rest, " ")
			cond = strings.TrimSpace(cond)
			c.field = strings.Trim(field, "`")
			if rest, ok := strings.CutPrefix(cond, "not like /"); ok {
				c.negate = true
				cond = "like /" + rest
			}
			switch {
			case strings.HasPrefix(cond, "like /") && strings.HasSuffix(cond, "/"):
				re, err := regexp.Compile(cond[len("like /") : len(cond)-1])
				if err != nil {
					return nil, fmt.Errorf("bad regex: %v", err)
				}
				c.re = re
			case strings.HasPrefix(cond, "in [") && strings.HasSuffix(cond, "]"):
				for _, v := range splitTop(cond[len("in [") : len(cond)-1]) {
					s, err := strconv.Unquote(v)
					if err != nil {
						return nil, fmt.Errorf("bad list item %s", v)
					}
					c.in = append(c.in, s)
				}
			default:
				return nil, fmt.Errorf("unsupported filter %q", rest)
			}
		case "stats":
			agg, by, ok := strings.Cut(rest, " by ")
			if !ok {
				return nil, fmt.Errorf("stats without by")
			}
			for _, one := range splitTop(agg) {
				a, name, ok := strings.Cut(one, " as ")
				fn := map[string]string{"count(*)": "count", "min(@timestamp)": "min", "max(@timestamp)": "max"}[strings.TrimSpace(a)]
				if !ok || fn == "" {
					return nil, fmt.Errorf("only `count(*)`, `min(@timestamp)` and `max(@timestamp)`, each `as NAME`, are supported, got %q", one)
				}
				c.aggs = append(c.aggs, aggregate{fn: fn, name: strings.TrimSpace(name)})
			}
			for _, k := range splitTop(by) {
				p, err := parseProjection(k)
				if err != nil {
					return nil, err
				}
				c.byKeys = append(c.byKeys, p)
			}
		case "sort":
			f, dir, _ := strings.Cut(rest, " ")
			c.field = f
			switch strings.TrimSpace(dir) {
			case "desc", "":
				c.desc = true
			case "asc":
			default:
				return nil, fmt.Errorf("bad sort %q", rest)
			}
		case "limit":
			n, err := strconv.Atoi(rest)
			if err != nil || n <= 0 || n > 10000 {
				return nil, fmt.Errorf("limit must be 1..10000")
			}
			c.limit = n
		default:
			return nil, fmt.Errorf("unsupported command %q", verb)
		}
		pq.cmds = append(pq.cmds, c)
	}
	return pq, nil
}

// record is what a query sees of one event.
type record struct {
	group, stream string
	ts            int64
	msg           string
	idx           int
	json          map[string]string // discovered fields, nil if not JSON
	extra         map[string]string // fields set by `fields ... as`
}

func (r *record) get(f string) (string, bool) {
	if v, ok := r.extra[f]; ok {
		return v, true
	}
	switch f {
	case "@timestamp":
		return formatInsightsTime(r.ts), true
	case "@message":
		return r.msg, true
	case "@logStream":
		return r.stream, true
	case "@log":
		return "111122223333:" + r.group, true
	case "@ptr":
		return r.ptrValue(), true
	}
	v, ok := r.json[f]
	return v, ok
}

func (r *record) ptrValue() string { return fmt.Sprintf("%s/%s/%d", r.group, r.stream, r.idx) }

func (r *record) eval(e *expr) (string, bool) {
	if e.field != "" {
		return r.get(e.field)
	}
	for _, sub := range e.coalesce {
		if v, ok := r.eval(sub); ok {
			return v, true
		}
	}
	return "", false
}

// queryMemo keeps what the engine works out from a message's text: its
// discovered JSON fields and whether a filter regex matches it. Queries
// read the same messages again and again (a month of counts reads the
// day's records for every hour of it, and every test loads the same demo
// day), and at real density working it out anew made each query cost
// seconds. It is keyed by the text itself, so it holds for every fake of
// the process and needs no clearing when streams change.
type queryMemo struct {
	mu    sync.Mutex
	json  map[string]map[string]string
	match map[string]map[string]bool // by the regex's source text
}

var memo = &queryMemo{json: map[string]map[string]string{}, match: map[string]map[string]bool{}}

func (m *queryMemo) fields(msg string) map[string]string {
	m.mu.Lock()
	js, ok := m.json[msg]
	m.mu.Unlock()
	if ok {
		return js
	}
	js = discover(msg)
	m.mu.Lock()
	m.json[msg] = js
	m.mu.Unlock()
	return js
}

func (m *queryMemo) matches(re *regexp.Regexp, msg string) bool {
	key := re.String()
	m.mu.Lock()
	hit, ok := m.match[key][msg]
	m.mu.Unlock()
	if ok {
		return hit
	}
	hit = re.MatchString(msg)
	m.mu.Lock()
	if m.match[key] == nil {
		m.match[key] = map[string]bool{}
	}
	m.match[key][msg] = hit
	m.mu.Unlock()
	return hit
}

func formatInsightsTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05.000")
}

// discover flattens a JSON message into Insights' discovered fields.
func discover(msg string) map[string]string {
	if !strings.HasPrefix(strings.TrimSpace(msg), "{") {
		return nil
	}
	var m map[string]any
	if json.Unmarshal([]byte(msg), &m) != nil {
		return nil
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, vv := range x {
				key := k
				if prefix != "" {
					key = prefix + "." + k
				}
				walk(key, vv)
			}
		case string:
			out[prefix] = x
		case float64:
			out[prefix] = strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			out[prefix] = strconv.FormatBool(x)
		case nil:
		default:
			b, _ := json.Marshal(x)
			out[prefix] = string(b)
		}
	}
	walk("", m)
	return out
}

type resultField struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

type query struct {
	id      string
	started time.Time
	status  string    // Running until evaluated and QueryDuration has passed, then Complete
	fate    FaultKind // an injected end: Failed, Timeout, or Running forever
	done    bool
	rows    [][]resultField
	stats   map[string]float64
}

// run evaluates the query over the groups in [startMs, endMs].
func (s *Server) run(pq *parsedQuery, groups []*logGroup, startMs, endMs int64, maxRows int) ([][]resultField, map[string]float64) {
	scanned, matched, bytes := 0, 0, 0
	type agg struct {
		keys         []resultField
		n            int
		minTs, maxTs int64
	}
	var stats *command
	var rows [][]resultField
	var recs []*record
	groupsAgg := map[string]*agg{}
	rec := record{extra: map[string]string{}}
	var fieldsProj []projection
	for i := range pq.cmds {
		switch pq.cmds[i].kind {
		case "stats":
			stats = &pq.cmds[i]
		case "fields":
			fieldsProj = append(fieldsProj, pq.cmds[i].proj...)
		}
	}
	for _, g := range groups {
		names := make([]string, 0, len(g.streams))
		for n := range g.streams {
			names = append(names, n)
		}
		sort.Strings(names)
	streams:
		for _, name := range names {
			st := g.streams[name]
			// Stream-level filters first: they decide for every event.
			for _, c := range pq.cmds {
				if c.kind == "filter" && c.field == "@logStream" {
					if c.re != nil && !c.re.MatchString(name) || c.re == nil && !contains(c.in, name) {
						continue streams
					}
				}
			}
			for i := st.search(startMs); i < st.count(); i++ {
				ev := st.at(i)
				if ev.ts > endMs {
					break
				}
				scanned++
				bytes += len(ev.msg)
				rec.stream, rec.group, rec.ts, rec.msg, rec.idx = name, g.name, ev.ts, ev.msg, i
				rec.json = memo.fields(ev.msg)
				clear(rec.extra)
				// Filters first (vpnlens's filters never name a field that
				// `fields` makes), then the projections of the records kept.
				keep := true
				for _, c := range pq.cmds {
					if !keep || c.kind != "filter" || c.field == "@logStream" {
						continue
					}
					if c.field == "@message" && c.re != nil {
						keep = memo.matches(c.re, ev.msg) != c.negate
						continue
					}
					v, ok := rec.get(c.field)
					if c.re != nil {
						keep = ok && c.re.MatchString(v) != c.negate
					} else {
						keep = ok && contains(c.in, v)
					}
				}
				if !keep {
					continue
				}
				for _, p := range fieldsProj {
					if v, ok := rec.eval(p.e); ok && p.name != p.e.field {
						rec.extra[p.name] = v
					}
				}
				r := &rec
				if stats == nil {
					cp := rec
					cp.extra = maps.Clone(rec.extra)
					r = &cp
				}
				matched++
				if stats == nil {
					recs = append(recs, r)
					continue
				}
				keys := make([]resultField, 0, len(stats.byKeys))
				var kb strings.Builder
				for _, p := range stats.byKeys {
					var v string
					if p.bin > 0 {
						v = formatInsightsTime(ev.ts - ev.ts%p.bin)
					} else {
						v, _ = r.eval(p.e)
					}
					keys = append(keys, resultField{Field: p.name, Value: v})
					kb.WriteString(v)
					kb.WriteByte(0)
				}
				a := groupsAgg[kb.String()]
				if a == nil {
					a = &agg{keys: keys, minTs: ev.ts, maxTs: ev.ts}
					groupsAgg[kb.String()] = a
				}
				a.n++
				a.minTs, a.maxTs = min(a.minTs, ev.ts), max(a.maxTs, ev.ts)
			}
		}
	}
	limit := 10000
	for _, c := range pq.cmds {
		if c.kind == "limit" {
			limit = c.limit
		}
	}
	limit = min(limit, maxRows)
	if stats != nil {
		keys := make([]string, 0, len(groupsAgg))
		for k := range groupsAgg {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			a := groupsAgg[k]
			row := append([]resultField(nil), a.keys...)
			for _, g := range stats.aggs {
				v := strconv.Itoa(a.n)
				switch g.fn {
				case "min":
					v = formatInsightsTime(a.minTs)
				case "max":
					v = formatInsightsTime(a.maxTs)
				}
				row = append(row, resultField{Field: g.name, Value: v})
			}
			rows = append(rows, row)
		}
	} else {
		for _, c := range pq.cmds {
			if c.kind == "sort" {
				desc, field := c.desc, c.field
				sort.SliceStable(recs, func(i, j int) bool {
					if field == "@timestamp" {
						if desc {
							return recs[i].ts > recs[j].ts
						}
						return recs[i].ts < recs[j].ts
					}
					a, _ := recs[i].get(field)
					b, _ := recs[j].get(field)
					if desc {
						return a > b
					}
					return a < b
				})
			}
		}
		for _, r := range recs {
			row := []resultField{}
			for _, p := range fieldsProj {
				if v, ok := r.get(p.name); ok {
					row = append(row, resultField{Field: p.name, Value: v})
				}
			}
			row = append(row, resultField{Field: "@ptr", Value: r.ptrValue()})
			rows = append(rows, row)
		}
	}
	if len(rows) > limit {
		rows = rows[:limit]
	}
	return rows, map[string]float64{"recordsMatched": float64(matched), "recordsScanned": float64(scanned), "bytesScanned": float64(bytes), "logGroupsScanned": float64(len(groups))}
}

func (s *Server) startQuery(req *logsRequest, fate FaultKind) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	if req.LogGroupName != nil {
		names = append(names, *req.LogGroupName)
	}
	names = append(names, req.LogGroupNames...)
	for _, id := range req.LogGroupIdentifiers {
		names = append(names, GroupName(id))
	}
	if len(names) == 0 {
		return nil, errorf(400, "InvalidParameterException", "at least one log group is required")
	}
	if len(names) > 50 {
		return nil, errorf(400, "InvalidParameterException", "a query can search at most 50 log groups, got %d", len(names))
	}
	var groups []*logGroup
	for _, n := range names {
		g := s.groups[n]
		if g == nil {
			return nil, errorf(400, "ResourceNotFoundException", "Log group '%s' does not exist", n)
		}
		groups = append(groups, g)
	}
	if req.StartTime == nil || req.EndTime == nil || *req.EndTime < *req.StartTime {
		return nil, errorf(400, "InvalidParameterException", "startTime and endTime (seconds) are required, start <= end")
	}
	if *req.StartTime > 1e11 {
		// Milliseconds where seconds belong: AWS accepts the number and
		// finds nothing in the year 50000; fail loudly here instead.
		return nil, errorf(400, "InvalidParameterException", "startTime %d looks like milliseconds; StartQuery takes seconds", *req.StartTime)
	}
	pq, err := parseQuery(deref(req.QueryString))
	if err != nil {
		return nil, errorf(400, "MalformedQueryException", "fakeaws: %v", err)
	}
	maxRows := 10000
	if s.opt.MaxQueryRows > 0 {
		maxRows = s.opt.MaxQueryRows
	}
	if req.Limit != nil && int(*req.Limit) < maxRows {
		maxRows = int(*req.Limit)
	}
	s.querySeq++
	q := &query{id: fmt.Sprintf("q-%06d", s.querySeq), started: time.Now(), status: "Running", fate: fate}
	s.queries[q.id] = q
	startMs, endMs := *req.StartTime*1000, *req.EndTime*1000
	// The query runs in the background, as in AWS: the engine's time is
	// not the StartQuery call's.
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		rows, stats := s.run(pq, groups, startMs, endMs, maxRows)
		s.mu.Lock()
		q.rows, q.stats, q.done = rows, stats, true
		s.mu.Unlock()
	}()
	return map[string]string{"queryId": q.id}, nil
}

func (s *Server) getQueryResults(req *logsRequest) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queries[deref(req.QueryID)]
	if q == nil {
		return nil, errorf(400, "ResourceNotFoundException", "Query %s does not exist", deref(req.QueryID))
	}
	s.settle(q)
	out := struct {
		Status     string             `json:"status"`
		Results    [][]resultField    `json:"results"`
		Statistics map[string]float64 `json:"statistics"`
	}{Status: q.status, Results: [][]resultField{}, Statistics: map[string]float64{}}
	if q.status == "Complete" {
		out.Results, out.Statistics = q.rows, q.stats
	}
	return out, nil
}

func (s *Server) stopQuery(req *logsRequest) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queries[deref(req.QueryID)]
	if q == nil {
		return nil, errorf(400, "ResourceNotFoundException", "Query %s does not exist", deref(req.QueryID))
	}
	s.settle(q)
	if q.status != "Running" {
		return map[string]bool{"success": false}, nil
	}
	q.status = "Cancelled"
	return map[string]bool{"success": true}, nil
}

// settle moves a Running query on to its end once it is evaluated and
// QueryDuration has passed. Callers hold s.mu.
func (s *Server) settle(q *query) {
	if q.status != "Running" || !q.done || time.Since(q.started) < s.opt.QueryDuration {
		return
	}
	switch q.fate {
	case FaultQueryStuck:
	case FaultQueryFailed:
		q.status = "Failed"
	case FaultQueryTimeout:
		q.status = "Timeout"
	default:
		q.status = "Complete"
	}
}

// QueryStatus reports a Logs Insights query's status ("" if unknown).
func (s *Server) QueryStatus(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.queries[id]; q != nil {
		return q.status
	}
	return ""
}

// QueryIDs lists the queries started so far.
func (s *Server) QueryIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id := range s.queries {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
