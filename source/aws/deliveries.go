package aws

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// A Site-to-Site VPN connection can send its logs through CloudWatch Logs
// vended-log deliveries as well as through its tunnels' LogOptions: a
// delivery source on the connection's ARN, one per log type, paired with a
// destination (a log group, an S3 bucket or a Firehose stream). The
// tunnels' options do not show them, so a tunnel whose options say
// "logging off" may have its logs delivered all the same.
//
// The log types are the ones AWS::EC2::VPNConnection's log-delivery
// mixins name: CONNECTION_LOGS, the tunnel activity (IKE), and EVENT_LOGS,
// the BGP events. Records are told apart by their content too, so a
// mapping that turned out the other way round would still be read right;
// only the path named per kind would be swapped.
const (
	LogTypeConnection = "CONNECTION_LOGS"
	LogTypeEvent      = "EVENT_LOGS"
)

// delivery is one delivery of a VPN connection's logs.
type delivery struct {
	vpn      string
	kind     vpnlog.StreamKind
	logType  string
	id       string
	destType cwtypes.DeliveryDestinationType
	destARN  string // the log group, bucket or stream
	format   string
}

// kindOfLogType is the stream kind a VPN log type carries ("" unknown).
func kindOfLogType(t string) vpnlog.StreamKind {
	switch u := strings.ToUpper(t); {
	case u == LogTypeConnection || strings.Contains(u, "IKE") || strings.Contains(u, "TUNNEL"):
		return vpnlog.StreamIKE
	case u == LogTypeEvent || strings.Contains(u, "BGP"):
		return vpnlog.StreamBGP
	}
	return vpnlog.StreamUnknown
}

// vpnOfResource is the VPN connection id of a resource ARN
// (arn:aws:ec2:REGION:ACCOUNT:vpn-connection/vpn-…), "" for anything else.
func vpnOfResource(arn string) string {
	_, id, ok := strings.Cut(arn, ":vpn-connection/")
	if !ok || !strings.HasPrefix(id, "vpn-") {
		return ""
	}
	return id
}

// deliveries lists the deliveries whose source is a VPN connection of the
// region, by connection id: DescribeDeliverySources (every page), and only
// when one is on a VPN connection DescribeDeliveries and
// DescribeDeliveryDestinations.
func (s *Source) deliveries(ctx context.Context) (map[string][]delivery, error) {
	type src struct {
		vpns    []string
		logType string
	}
	sources := map[string]src{}
	ps := cloudwatchlogs.NewDescribeDeliverySourcesPaginator(s.logs, &cloudwatchlogs.DescribeDeliverySourcesInput{})
	for ps.HasMorePages() {
		page, err := ps.NextPage(ctx)
		if err != nil {
			return nil, s.mapError(callContext{op: "DescribeDeliverySources"}, err)
		}
		for _, ds := range page.DeliverySources {
			var vpns []string
			for _, arn := range ds.ResourceArns {
				if v := vpnOfResource(arn); v != "" {
					vpns = append(vpns, v)
				}
			}
			if len(vpns) > 0 {
				sources[str(ds.Name)] = src{vpns: vpns, logType: str(ds.LogType)}
			}
		}
	}
	if len(sources) == 0 {
		return nil, nil
	}
	var dels []cwtypes.Delivery
	pd := cloudwatchlogs.NewDescribeDeliveriesPaginator(s.logs, &cloudwatchlogs.DescribeDeliveriesInput{})
	for pd.HasMorePages() {
		page, err := pd.NextPage(ctx)
		if err != nil {
			return nil, s.mapError(callContext{op: "DescribeDeliveries"}, err)
		}
		for _, d := range page.Deliveries {
			if _, ok := sources[str(d.DeliverySourceName)]; ok {
				dels = append(dels, d)
			}
		}
	}
	dests := map[string]cwtypes.DeliveryDestination{}
	pdd := cloudwatchlogs.NewDescribeDeliveryDestinationsPaginator(s.logs, &cloudwatchlogs.DescribeDeliveryDestinationsInput{})
	for len(dels) > 0 && pdd.HasMorePages() {
		page, err := pdd.NextPage(ctx)
		if err != nil {
			return nil, s.mapError(callContext{op: "DescribeDeliveryDestinations"}, err)
		}
		for _, d := range page.DeliveryDestinations {
			dests[str(d.Arn)] = d
		}
	}
	out := map[string][]delivery{}
	for _, d := range dels {
		so := sources[str(d.DeliverySourceName)]
		dd := dests[str(d.DeliveryDestinationArn)]
		x := delivery{kind: kindOfLogType(so.logType), logType: so.logType, id: str(d.Id), destType: d.DeliveryDestinationType,
			format: string(dd.OutputFormat)}
		if dd.DeliveryDestinationConfiguration != nil {
			x.destARN = str(dd.DeliveryDestinationConfiguration.DestinationResourceArn)
		}
		if x.destType == "" {
			x.destType = dd.DeliveryDestinationType
		}
		if x.destARN == "" {
			x.destARN = str(d.DeliveryDestinationArn) // the destination itself could not be described
		}
		for _, v := range so.vpns {
			x.vpn = v
			out[v] = append(out[v], x)
		}
	}
	for _, list := range out {
		sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	}
	return out, nil
}

// S3URL turns a bucket ARN (arn:aws:s3:::bucket[/prefix]) into the
// s3://bucket/prefix that --logs-s3 reads.
func S3URL(arn string) string {
	return "s3://" + strings.TrimPrefix(arn, "arn:aws:s3:::")
}

// describe says where a delivery goes, for a tunnel's log path.
func (d *delivery) describe() string {
	head := fmt.Sprintf("log delivery %s (%s", d.id, d.logType)
	if d.format != "" {
		head += ", " + d.format
	}
	head += ")"
	switch d.destType {
	case cwtypes.DeliveryDestinationTypeCwl:
		return head + " to log group " + GroupName(d.destARN)
	case cwtypes.DeliveryDestinationTypeS3:
		return head + " to S3 " + S3URL(d.destARN)
	case cwtypes.DeliveryDestinationTypeFh:
		return head + " to Firehose stream " + d.destARN
	}
	return head + " to " + string(d.destType) + " " + d.destARN
}

// elsewhere says how to read a delivery this source does not read.
func (d *delivery) elsewhere() string {
	switch d.destType {
	case cwtypes.DeliveryDestinationTypeS3:
		return d.describe() + ": not read from CloudWatch Logs; ask vpnlens with --logs-s3 " + S3URL(d.destARN) + " to read it"
	case cwtypes.DeliveryDestinationTypeFh:
		return d.describe() + ": vpnlens cannot read a Firehose stream; see where that stream delivers, or add a delivery to a log group or S3"
	}
	return d.describe() + ": vpnlens cannot read this destination"
}

// applyDeliveries fills each tunnel's log settings with the deliveries of
// its connection: a delivery to a log group makes the kind readable there
// when the tunnel's own options do not log it; one to S3 or Firehose is
// named (Elsewhere); every kind says its path.
func applyDeliveries(conns []source.Connection, byVPN map[string][]delivery) {
	for ci := range conns {
		c := &conns[ci]
		dels := byVPN[c.ID]
		if len(dels) == 0 {
			continue // the options say it all (investigate words their path)
		}
		for ti := range c.Tunnels {
			l := &c.Tunnels[ti].Logging
			for _, k := range []vpnlog.StreamKind{vpnlog.StreamIKE, vpnlog.StreamBGP} {
				enabled, group, format, path := &l.IKEEnabled, &l.IKELogGroup, &l.IKEFormat, &l.IKEPath
				if k == vpnlog.StreamBGP {
					enabled, group, format, path = &l.BGPEnabled, &l.BGPLogGroup, &l.BGPFormat, &l.BGPPath
				}
				var paths []string
				if *enabled && *group != "" {
					paths = append(paths, "tunnel log options to log group "+GroupName(*group))
				}
				var other []string
				for i := range dels {
					d := &dels[i]
					if d.kind != k {
						continue
					}
					paths = append(paths, d.describe())
					switch {
					case d.destType == cwtypes.DeliveryDestinationTypeCwl && !(*enabled && *group != ""):
						*enabled, *group, *format = true, d.destARN, d.format
					case d.destType != cwtypes.DeliveryDestinationTypeCwl:
						other = append(other, d.elsewhere())
					}
				}
				*path = strings.Join(paths, "; ")
				if len(other) > 0 {
					if l.Elsewhere == nil {
						l.Elsewhere = map[string]string{}
					}
					l.Elsewhere[k.String()] = strings.Join(other, "; ")
				}
			}
		}
	}
}
