package aws

import (
	"context"
	"encoding/json"
	"fmt"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/vpnlens/vpnlens/source"
)

// Changes implements source.ChangeHistory: CloudTrail LookupEvents by
// resource name, one lookup per resource (LookupEvents takes one
// attribute), pages of 50, the VPN write events kept.
func (s *Source) Changes(ctx context.Context, q source.ChangeQuery) (*source.ChangesResult, error) {
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
