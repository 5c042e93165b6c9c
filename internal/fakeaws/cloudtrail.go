package fakeaws

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CloudTrail's LookupEvents in the awsJson1_1 protocol, as the SDK sends
// it: X-Amz-Target CloudTrail_20131101.LookupEvents (the long form
// com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents is
// accepted too), timestamps as epoch seconds, newest event first.

const trailTargetPrefix = "CloudTrail_20131101."

// trailOperation names the CloudTrail operation of an X-Amz-Target.
func trailOperation(target string) (string, bool) {
	target = strings.TrimPrefix(target, "com.amazonaws.cloudtrail.v20131101.")
	return strings.CutPrefix(target, trailTargetPrefix)
}

// TrailEvent is one stored CloudTrail event, in LookupEvents' shape
// (EventTime as ISO 8601 in files, as the CLI prints it).
type TrailEvent struct {
	EventID     string `json:"EventId"`
	EventName   string `json:"EventName"`
	EventTime   time.Time
	Username    string `json:"Username,omitempty"`
	ReadOnly    string `json:"ReadOnly,omitempty"`
	EventSource string `json:"EventSource,omitempty"`
	Resources   []struct {
		ResourceType string `json:"ResourceType,omitempty"`
		ResourceName string `json:"ResourceName"`
	} `json:"Resources,omitempty"`
	CloudTrailEvent string `json:"CloudTrailEvent"`
}

// AddTrailEvents stores CloudTrail events for LookupEvents.
func (s *Server) AddTrailEvents(evs ...TrailEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trail = append(s.trail, evs...)
}

// LoadTrailJSON reads a cloudtrail-events.json (LookupEvents output as the
// CLI prints it).
func (s *Server) LoadTrailJSON(b []byte) error {
	var f struct {
		Events []TrailEvent `json:"Events"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("fakeaws: cloudtrail-events.json: %w", err)
	}
	s.AddTrailEvents(f.Events...)
	return nil
}

type lookupEventsInput struct {
	LookupAttributes []struct {
		AttributeKey   string
		AttributeValue string
	}
	StartTime  *float64
	EndTime    *float64
	MaxResults *int
	NextToken  string
}

func epoch(f *float64) time.Time {
	if f == nil {
		return time.Time{}
	}
	sec, frac := math.Modf(*f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

func (s *Server) serveTrail(ctx context.Context, w http.ResponseWriter, op string, body []byte) {
	var in lookupEventsInput
	jerr := json.Unmarshal(body, &in)
	start, end := epoch(in.StartTime), epoch(in.EndTime)
	e, sp := s.admit(ctx, op, Call{Start: start.Unix(), End: end.Unix(), Paged: in.NextToken != ""})
	if e != nil {
		writeJSONError(w, e)
		return
	}
	if ctx.Err() != nil {
		return
	}
	if op != "LookupEvents" {
		writeJSONError(w, errorf(400, "UnknownOperationException", "fakeaws serves LookupEvents of CloudTrail, not %s", op))
		return
	}
	if jerr != nil {
		writeJSONError(w, errorf(400, "SerializationException", "%v", jerr))
		return
	}
	if len(in.LookupAttributes) > 1 {
		writeJSONError(w, errorf(400, "InvalidLookupAttributesException", "You cannot specify more than one lookup attribute."))
		return
	}
	max := 50
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			writeJSONError(w, errorf(400, "InvalidMaxResultsException", "MaxResults must be between 1 and 50"))
			return
		}
		max = *in.MaxResults
	}
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		writeJSONError(w, errorf(400, "InvalidTimeRangeException", "StartTime must be before EndTime"))
		return
	}
	s.mu.Lock()
	var match []TrailEvent
	for _, ev := range s.trail {
		if !start.IsZero() && ev.EventTime.Before(start) || !end.IsZero() && ev.EventTime.After(end) {
			continue
		}
		if len(in.LookupAttributes) == 1 && !trailMatches(&ev, in.LookupAttributes[0].AttributeKey, in.LookupAttributes[0].AttributeValue) {
			continue
		}
		match = append(match, ev)
	}
	s.mu.Unlock()
	slices.SortStableFunc(match, func(a, b TrailEvent) int { return b.EventTime.Compare(a.EventTime) })
	off := 0
	if in.NextToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(in.NextToken, "ev:"))
		if err != nil || n < 0 || n > len(match) {
			writeJSONError(w, errorf(400, "InvalidNextTokenException", "Invalid NextToken"))
			return
		}
		off = n
	}
	page := match[off:min(off+max, len(match))]
	out := map[string]any{}
	evs := make([]map[string]any, 0, len(page))
	for _, ev := range page {
		m := map[string]any{"EventId": ev.EventID, "EventName": ev.EventName, "EventTime": float64(ev.EventTime.UnixMilli()) / 1000,
			"CloudTrailEvent": ev.CloudTrailEvent, "ReadOnly": ev.ReadOnly, "EventSource": ev.EventSource, "Resources": ev.Resources}
		if ev.Username != "" {
			m["Username"] = ev.Username
		}
		evs = append(evs, m)
	}
	out["Events"] = evs
	if off+max < len(match) {
		out["NextToken"] = "ev:" + strconv.Itoa(off+max)
	}
	writeJSON(w, out, sp)
}

// trailMatches applies one lookup attribute.
func trailMatches(ev *TrailEvent, key, value string) bool {
	switch key {
	case "ResourceName":
		for _, r := range ev.Resources {
			if r.ResourceName == value {
				return true
			}
		}
		return false
	case "EventName":
		return ev.EventName == value
	case "EventId":
		return ev.EventID == value
	case "Username":
		return ev.Username == value
	case "ReadOnly":
		return ev.ReadOnly == value
	case "EventSource":
		return ev.EventSource == value
	}
	return false
}
