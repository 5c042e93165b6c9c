package fakeaws

import (
	"fmt"
	"strings"
)

// CloudWatch Logs vended-log deliveries, as DescribeDeliverySources,
// DescribeDeliveries and DescribeDeliveryDestinations return them: a
// delivery pairs a source (an AWS resource and one of its log types) with
// a destination (a log group, an S3 bucket or a Firehose stream).

// DeliverySource is a resource that sends logs of one type.
type DeliverySource struct {
	Name         string   `json:"name"`
	Arn          string   `json:"arn"`
	ResourceArns []string `json:"resourceArns"`
	Service      string   `json:"service"`
	LogType      string   `json:"logType"`
}

// DeliveryDestination is where a delivery writes.
type DeliveryDestination struct {
	Name                             string `json:"name"`
	Arn                              string `json:"arn"`
	DeliveryDestinationType          string `json:"deliveryDestinationType"` // CWL, S3, FH
	OutputFormat                     string `json:"outputFormat,omitempty"`  // json, plain, w3c, raw, parquet
	DeliveryDestinationConfiguration struct {
		DestinationResourceArn string `json:"destinationResourceArn"`
	} `json:"deliveryDestinationConfiguration"`
}

// Delivery pairs a source with a destination.
type Delivery struct {
	ID                      string `json:"id"`
	Arn                     string `json:"arn"`
	DeliverySourceName      string `json:"deliverySourceName"`
	DeliveryDestinationArn  string `json:"deliveryDestinationArn"`
	DeliveryDestinationType string `json:"deliveryDestinationType"`
}

type deliveryData struct {
	sources      []DeliverySource
	destinations []DeliveryDestination
	deliveries   []Delivery
}

// AddVPNDelivery delivers a VPN connection's logs of logType
// (CONNECTION_LOGS, EVENT_LOGS) to a destination: destType CWL with a log
// group ARN, S3 with a bucket ARN (arn:aws:s3:::bucket[/prefix]) or FH
// with a Firehose stream ARN, in format (json, plain). It makes the source
// and the destination as the console does, and returns the delivery id.
func (s *Server) AddVPNDelivery(vpn, logType, destType, destARN, format string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := &s.deliv
	n := len(d.deliveries) + 1
	src := DeliverySource{Name: fmt.Sprintf("%s-%s", vpn, strings.ToLower(logType)), Service: "ec2", LogType: logType,
		Arn:          fmt.Sprintf("arn:aws:logs:%s:%s:delivery-source:%s-%s", s.opt.Region, s.opt.Account, vpn, strings.ToLower(logType)),
		ResourceArns: []string{fmt.Sprintf("arn:aws:ec2:%s:%s:vpn-connection/%s", s.opt.Region, s.opt.Account, vpn)}}
	known := false
	for _, x := range d.sources {
		known = known || x.Name == src.Name
	}
	if !known {
		d.sources = append(d.sources, src)
	}
	dst := DeliveryDestination{Name: fmt.Sprintf("dest-%d", n), DeliveryDestinationType: destType, OutputFormat: format,
		Arn: fmt.Sprintf("arn:aws:logs:%s:%s:delivery-destination:dest-%d", s.opt.Region, s.opt.Account, n)}
	dst.DeliveryDestinationConfiguration.DestinationResourceArn = destARN
	d.destinations = append(d.destinations, dst)
	id := fmt.Sprintf("delivery%012d", n)
	d.deliveries = append(d.deliveries, Delivery{ID: id, DeliverySourceName: src.Name, DeliveryDestinationArn: dst.Arn, DeliveryDestinationType: destType,
		Arn: fmt.Sprintf("arn:aws:logs:%s:%s:delivery:%s", s.opt.Region, s.opt.Account, id)})
	return id
}

// page is the part of list that a request's nextToken and limit select.
func page[T any](s *Server, list []T, req *logsRequest, kind string) ([]T, *string, *apiError) {
	off, e := parseToken(req.NextToken, kind)
	if e != nil {
		return nil, nil, e
	}
	size := s.pageSize(50, req.Limit)
	out := []T{}
	for i := off; i < len(list) && i < off+size; i++ {
		out = append(out, list[i])
	}
	var next *string
	if off+size < len(list) {
		next = token(kind, off+size)
	}
	return out, next, nil
}

func (s *Server) describeDeliverySources(req *logsRequest) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	items, next, e := page(s, s.deliv.sources, req, "ds")
	return struct {
		DeliverySources []DeliverySource `json:"deliverySources"`
		NextToken       *string          `json:"nextToken,omitempty"`
	}{items, next}, e
}

func (s *Server) describeDeliveries(req *logsRequest) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	items, next, e := page(s, s.deliv.deliveries, req, "dl")
	return struct {
		Deliveries []Delivery `json:"deliveries"`
		NextToken  *string    `json:"nextToken,omitempty"`
	}{items, next}, e
}

func (s *Server) describeDeliveryDestinations(req *logsRequest) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	items, next, e := page(s, s.deliv.destinations, req, "dd")
	return struct {
		DeliveryDestinations []DeliveryDestination `json:"deliveryDestinations"`
		NextToken            *string               `json:"nextToken,omitempty"`
	}{items, next}, e
}
