package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/vpnlens/vpnlens/source"
)

// Changes implements source.ChangeHistory: CloudTrail LookupEvents by
// resource name, one lookup per resource (LookupEvents takes one
// attribute), pages of 50, the VPN write events kept.
func (s *Source) Changes(ctx context.Context, q source.ChangeQuery) (*source.ChangesResult, error) {
	// Looked up by whole UTC days and kept per resource and day once the
	// day is settled (CloudTrail adds nothing to it any more), so the
	// follow-up questions on an incident cost no call.
	res := &source.ChangesResult{Path: "CloudTrail LookupEvents"}
	first, last := q.Start.UTC().Truncate(24*time.Hour), q.End.UTC().Add(-time.Millisecond).Truncate(24*time.Hour)
	for _, id := range q.ResourceIDs {
		var missing []time.Time
		for d := first; !d.After(last); d = d.Add(24 * time.Hour) {
			if v, ok := s.sideGet(&s.changesCache, dayKey(id, d)); ok {
				res.Changes = append(res.Changes, v.([]source.Change)...)
			} else {
				missing = append(missing, d)
			}
		}
		if len(missing) == 0 {
			continue
		}
		from, to := missing[0], missing[len(missing)-1].Add(24*time.Hour)
		got, err := s.lookupChanges(ctx, source.ChangeQuery{VPNConnectionID: q.VPNConnectionID, ResourceIDs: []string{id}, Start: from, End: to})
		if err != nil {
			return nil, err
		}
		res.Calls += got.Calls
		res.Notes = append(res.Notes, got.Notes...)
		for _, d := range missing {
			day := source.FilterChanges(got.Changes, source.ChangeQuery{ResourceIDs: []string{id}, Start: d, End: d.Add(24 * time.Hour)})
			res.Changes = append(res.Changes, day...)
			if s.now().Sub(d.Add(24*time.Hour)) > source.CloudTrailDelay {
				s.sidePut(&s.changesCache, dayKey(id, d), day)
			}
		}
	}
	seen := map[string]bool{}
	kept := res.Changes[:0]
	for _, c := range res.Changes {
		if !seen[c.EventID] {
			seen[c.EventID] = true
			kept = append(kept, c)
		}
	}
	res.Changes = source.FilterChanges(kept, q)
	source.SortChanges(res.Changes)
	return res, nil
}

func dayKey(id string, d time.Time) string { return id + "/" + d.Format("2006-01-02") }

// sideGet returns a cached answer younger than InventoryTTL.
func (s *Source) sideGet(m *map[string]cachedSide, key string) (any, bool) {
	s.sideMu.Lock()
	defer s.sideMu.Unlock()
	c, ok := (*m)[key]
	if !ok || s.now().Sub(c.at) > s.cfg.InventoryTTL {
		return nil, false
	}
	return c.val, true
}

func (s *Source) sidePut(m *map[string]cachedSide, key string, v any) {
	s.sideMu.Lock()
	defer s.sideMu.Unlock()
	if *m == nil || len(*m) > 10_000 {
		*m = map[string]cachedSide{}
	}
	(*m)[key] = cachedSide{at: s.now(), val: v}
}

// lookupChanges is Changes without the cache.
func (s *Source) lookupChanges(ctx context.Context, q source.ChangeQuery) (*source.ChangesResult, error) {
	res := &source.ChangesResult{Path: "CloudTrail LookupEvents"}
	seen := map[string]bool{}
	for _, id := range q.ResourceIDs {
		in := &cloudtrail.LookupEventsInput{
			LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyResourceName, AttributeValue: sdkaws.String(id)}},
			StartTime:        sdkaws.Time(q.Start), EndTime: sdkaws.Time(q.End), MaxResults: sdkaws.Int32(50),
		}
		for {
			out, err := s.trail.LookupEvents(ctx, in)
			res.Calls++
			if err != nil {
				return nil, s.mapError(callContext{op: "LookupEvents", vpn: q.VPNConnectionID}, err)
			}
			for _, e := range out.Events {
				id := sdkaws.ToString(e.EventId)
				if seen[id] {
					continue
				}
				seen[id] = true
				t, _ := json.Marshal(sdkaws.ToTime(e.EventTime).UTC().Format("2006-01-02T15:04:05Z07:00"))
				le := source.LookupEvent{EventID: id, EventName: sdkaws.ToString(e.EventName), EventTime: t,
					Username: sdkaws.ToString(e.Username), ReadOnly: sdkaws.ToString(e.ReadOnly), CloudTrailEvent: sdkaws.ToString(e.CloudTrailEvent)}
				for _, r := range e.Resources {
					le.Resources = append(le.Resources, source.EventResource{ResourceType: sdkaws.ToString(r.ResourceType), ResourceName: sdkaws.ToString(r.ResourceName)})
				}
				c, ok, err := source.ChangeOf(&le)
				if err != nil {
					res.Notes = append(res.Notes, fmt.Sprintf("CloudTrail event %s could not be read: %v", id, err))
					continue
				}
				if ok {
					res.Changes = append(res.Changes, c)
				}
			}
			if out.NextToken == nil || *out.NextToken == "" {
				break
			}
			in.NextToken = out.NextToken
		}
	}
	res.Changes = source.FilterChanges(res.Changes, q)
	source.SortChanges(res.Changes)
	return res, nil
}
