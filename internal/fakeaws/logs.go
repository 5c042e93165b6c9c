package fakeaws

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

type logsRequest struct {
	LogGroupName        *string  `json:"logGroupName"`
	LogGroupIdentifier  *string  `json:"logGroupIdentifier"`
	LogGroupNames       []string `json:"logGroupNames"`
	LogGroupIdentifiers []string `json:"logGroupIdentifiers"`
	LogStreamName       *string  `json:"logStreamName"`
	LogStreamNames      []string `json:"logStreamNames"`
	LogStreamNamePrefix *string  `json:"logStreamNamePrefix"`
	StartTime           *int64   `json:"startTime"`
	EndTime             *int64   `json:"endTime"`
	FilterPattern       *string  `json:"filterPattern"`
	NextToken           *string  `json:"nextToken"`
	Limit               *int32   `json:"limit"`
	StartFromHead       *bool    `json:"startFromHead"`
	OrderBy             *string  `json:"orderBy"`
	Descending          *bool    `json:"descending"`
	QueryString         *string  `json:"queryString"`
	QueryID             *string  `json:"queryId"`
}

func (s *Server) serveLogs(ctx context.Context, w http.ResponseWriter, op string, body []byte) {
	var req logsRequest
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			writeJSONError(w, errorf(400, "SerializationException", "%v", err))
			return
		}
	}
	call := Call{Paged: req.NextToken != nil && *req.NextToken != "", Start: deref(req.StartTime), End: deref(req.EndTime), Streams: req.LogStreamNames}
	e, sp := s.admit(ctx, op, call)
	if e != nil {
		writeJSONError(w, e)
		return
	}
	if ctx.Err() != nil {
		return // the client gave up waiting
	}
	var out any
	switch op {
	case "DescribeLogStreams":
		out, e = s.describeLogStreams(&req)
	case "FilterLogEvents":
		out, e = s.filterLogEvents(&req)
	case "GetLogEvents":
		out, e = s.getLogEvents(&req)
	case "StartQuery":
		out, e = s.startQuery(&req, sp.kind)
	case "GetQueryResults":
		out, e = s.getQueryResults(&req)
	case "StopQuery":
		out, e = s.stopQuery(&req)
	case "DescribeDeliverySources":
		out, e = s.describeDeliverySources(&req)
	case "DescribeDeliveries":
		out, e = s.describeDeliveries(&req)
	case "DescribeDeliveryDestinations":
		out, e = s.describeDeliveryDestinations(&req)
	default:
		e = errorf(400, "UnknownOperationException", "fakeaws does not implement %s", op)
	}
	if e != nil {
		writeJSONError(w, e)
		return
	}
	writeJSON(w, out, sp)
}

// lookupGroup resolves logGroupName / logGroupIdentifier (a name or an ARN).
// Callers hold s.mu.
func (s *Server) lookupGroup(req *logsRequest) (*logGroup, *apiError) {
	var name string
	switch {
	case req.LogGroupName != nil && req.LogGroupIdentifier != nil:
		return nil, errorf(400, "InvalidParameterException", "LogGroupName and LogGroupIdentifier are mutually exclusive")
	case req.LogGroupName != nil:
		name = *req.LogGroupName
	case req.LogGroupIdentifier != nil:
		name = GroupName(*req.LogGroupIdentifier)
	default:
		return nil, errorf(400, "InvalidParameterException", "a log group name or identifier is required")
	}
	g := s.groups[name]
	if g == nil {
		return nil, errorf(400, "ResourceNotFoundException", "The specified log group does not exist.")
	}
	return g, nil
}

func (s *Server) pageSize(def int, limit *int32) int {
	n := def
	if s.opt.PageSize > 0 {
		n = s.opt.PageSize
	}
	if limit != nil && *limit > 0 && int(*limit) < n {
		n = int(*limit)
	}
	return n
}

// Tokens are "<kind>:<offset>"; a token of another kind is rejected.
func parseToken(tok *string, kind string) (int, *apiError) {
	if tok == nil || *tok == "" {
		return 0, nil
	}
	rest, ok := strings.CutPrefix(*tok, kind+":")
	n, err := strconv.Atoi(rest)
	if !ok || err != nil || n < 0 {
		return 0, errorf(400, "InvalidParameterException", "The specified nextToken is invalid.")
	}
	return n, nil
}

func token(kind string, off int) *string {
	t := kind + ":" + strconv.Itoa(off)
	return &t
}

type logStreamOut struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp *int64 `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  *int64 `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   *int64 `json:"lastIngestionTime,omitempty"`
	Arn                 string `json:"arn"`
	StoredBytes         int64  `json:"storedBytes"`
}

func (s *Server) describeLogStreams(req *logsRequest) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := s.lookupGroup(req)
	if e != nil {
		return nil, e
	}
	if req.OrderBy != nil && *req.OrderBy == "LastEventTime" && req.LogStreamNamePrefix != nil {
		return nil, errorf(400, "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.")
	}
	var names []string
	for n := range g.streams {
		if req.LogStreamNamePrefix == nil || strings.HasPrefix(n, *req.LogStreamNamePrefix) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	off, e := parseToken(req.NextToken, "s")
	if e != nil {
		return nil, e
	}
	size := s.pageSize(50, req.Limit)
	out := struct {
		LogStreams []logStreamOut `json:"logStreams"`
		NextToken  *string        `json:"nextToken,omitempty"`
	}{LogStreams: []logStreamOut{}}
	for i := off; i < len(names) && i < off+size; i++ {
		st := g.streams[names[i]]
		o := logStreamOut{LogStreamName: st.name, CreationTime: st.created,
			Arn: fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", s.opt.Region, s.opt.Account, g.name, st.name)}
		if first, last, ok := st.bounds(); ok {
			ing := last + 1000
			o.FirstEventTimestamp, o.LastEventTimestamp, o.LastIngestionTime = &first, &last, &ing
		}
		out.LogStreams = append(out.LogStreams, o)
	}
	if off+size < len(names) {
		out.NextToken = token("s", off+size)
	}
	return out, nil
}

type filteredEvent struct {
	EventID       string `json:"eventId"`
	IngestionTime int64  `json:"ingestionTime"`
	LogStreamName string `json:"logStreamName"`
	Message       string `json:"message"`
	Timestamp     int64  `json:"timestamp"`
}

// filterLogEvents: startTime inclusive, endTime inclusive ("events with a
// timestamp later than this time are not returned"), events of all chosen
// streams interleaved by time, filterPattern as in filter.go.
func (s *Server) filterLogEvents(req *logsRequest) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := s.lookupGroup(req)
	if e != nil {
		return nil, e
	}
	if len(req.LogStreamNames) > 0 && req.LogStreamNamePrefix != nil {
		return nil, errorf(400, "InvalidParameterException", "logStreamNames and logStreamNamePrefix are mutually exclusive")
	}
	if len(req.LogStreamNames) > 100 {
		return nil, errorf(400, "InvalidParameterException", "at most 100 logStreamNames")
	}
	pat, err := parseFilterPattern(deref(req.FilterPattern))
	if err != nil {
		return nil, errorf(400, "InvalidParameterException", "Invalid filter pattern: %v", err)
	}
	var streams []*logStream
	if len(req.LogStreamNames) > 0 {
		for _, n := range req.LogStreamNames {
			st := g.streams[n]
			if st == nil {
				return nil, errorf(400, "ResourceNotFoundException", "The specified log stream does not exist.")
			}
			streams = append(streams, st)
		}
	} else {
		for n, st := range g.streams {
			if req.LogStreamNamePrefix == nil || strings.HasPrefix(n, *req.LogStreamNamePrefix) {
				streams = append(streams, st)
			}
		}
	}
	start, end := int64(0), int64(1<<62)
	if req.StartTime != nil {
		start = *req.StartTime
	}
	if req.EndTime != nil {
		end = *req.EndTime
	}
	var all []filteredEvent
	for _, st := range streams {
		for i := st.search(start); i < st.count(); i++ {
			ev := st.at(i)
			if ev.ts > end {
				break
			}
			if pat.match(ev.msg) {
				all = append(all, filteredEvent{EventID: fmt.Sprintf("%s/%d", st.name, i), IngestionTime: ev.ts + 1000, LogStreamName: st.name, Message: ev.msg, Timestamp: ev.ts})
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].Timestamp != all[j].Timestamp {
			return all[i].Timestamp < all[j].Timestamp
		}
		return all[i].LogStreamName < all[j].LogStreamName
	})
	off, e := parseToken(req.NextToken, "f")
	if e != nil {
		return nil, e
	}
	size := s.pageSize(10000, req.Limit)
	out := struct {
		Events             []filteredEvent `json:"events"`
		NextToken          *string         `json:"nextToken,omitempty"`
		SearchedLogStreams []any           `json:"searchedLogStreams"`
	}{Events: []filteredEvent{}, SearchedLogStreams: []any{}}
	if off < len(all) {
		out.Events = all[off:min(len(all), off+size)]
	}
	if off+size < len(all) {
		out.NextToken = token("f", off+size)
	}
	return out, nil
}

type outputEvent struct {
	IngestionTime int64  `json:"ingestionTime"`
	Message       string `json:"message"`
	Timestamp     int64  `json:"timestamp"`
}

// getLogEvents: startTime inclusive, endTime exclusive; forward paging only
// (startFromHead); at the end the forward token comes back unchanged.
func (s *Server) getLogEvents(req *logsRequest) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := s.lookupGroup(req)
	if e != nil {
		return nil, e
	}
	st := g.streams[deref(req.LogStreamName)]
	if st == nil {
		return nil, errorf(400, "ResourceNotFoundException", "The specified log stream does not exist.")
	}
	start, end := int64(0), int64(1<<62)
	if req.StartTime != nil {
		start = *req.StartTime
	}
	if req.EndTime != nil {
		end = *req.EndTime
	}
	lo, hi := st.search(start), st.search(end)
	off := lo
	if req.NextToken != nil && *req.NextToken != "" {
		if off, e = parseToken(req.NextToken, "f"); e != nil {
			return nil, e
		}
	}
	size := s.pageSize(10000, req.Limit)
	out := struct {
		Events            []outputEvent `json:"events"`
		NextForwardToken  *string       `json:"nextForwardToken"`
		NextBackwardToken *string       `json:"nextBackwardToken"`
	}{Events: []outputEvent{}}
	stop := min(hi, off+size)
	for i := off; i < stop; i++ {
		ev := st.at(i)
		out.Events = append(out.Events, outputEvent{IngestionTime: ev.ts + 1000, Message: ev.msg, Timestamp: ev.ts})
	}
	out.NextForwardToken = token("f", max(stop, off))
	out.NextBackwardToken = token("b", off)
	return out, nil
}

func deref[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}
